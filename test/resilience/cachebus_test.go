package resilience

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Node caches across nodes (internal/store/cache, spec/README.md "Scaling
// out"): each node caches access tokens, users and clients for up to 3 s,
// and PostgreSQL LISTEN/NOTIFY tells every node what another one changed.

// refusedWithin is how soon after a change on node A node B must act on it:
// far below the cache's 3 s TTL, so only the notice can explain it.
const refusedWithin = 500 * time.Millisecond

// revoke revokes a token at the revocation endpoint (RFC 7009) as a.
func revoke(c *http.Client, base string, a app, tok string) error {
	form := url.Values{"token": {tok}}
	if a.Secret == "" {
		form.Set("client_id", a.ID)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/oidc/token/revocation", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a.Secret != "" {
		req.SetBasicAuth(url.QueryEscape(a.ID), url.QueryEscape(a.Secret))
	}
	resp, raw, err := send(c, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{"POST /oidc/token/revocation", resp.StatusCode, string(raw)}
	}
	return nil
}

// refusedBy polls userinfo on the router's current node until the token is
// refused (401), for at most a second, and returns how long after since
// that was.
func refusedBy(t *testing.T, rp *http.Client, endpoint, tok string, since time.Time) time.Duration {
	t.Helper()
	for {
		_, err := userinfo(rp, endpoint, tok)
		var se *statusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			return time.Since(since)
		}
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("userinfo: %v", err)
		}
		if time.Since(since) > time.Second {
			t.Fatalf("the token is still accepted %s after it went (last answer: %v)", time.Since(since).Round(time.Millisecond), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCacheInvalidationAcrossNodes: an access token revoked through node A
// is refused by node B within milliseconds, although B had just cached it;
// and when B's listener connection is killed, B stops trusting its cache at
// once (a notice it missed cannot leave a revoked token in use), listens
// again, and acts on notices again.
func TestCacheInvalidationAcrossNodes(t *testing.T) {
	dbURL := pgSchema(t, postgresURL(t))
	endpoint := "http://localhost:" + portOf(t, freeAddr(t))
	// Node B's connections carry a name of their own, so the test can
	// find its listener among every backend of the shared database.
	bName := "gatehouse_b_" + strings.TrimPrefix(uniqueName("n"), "n")
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", bName)
	u.RawQuery = q.Encode()
	a := newNode(t, "node A", dbURL, endpoint)
	b := newNode(t, "node B", u.String(), endpoint)
	a.start()
	b.start()
	db := openDB(t, dbURL)
	listenerOfB := func() int {
		t.Helper()
		var pid int
		err := db.QueryRowContext(t.Context(), `SELECT pid FROM pg_stat_activity
			WHERE application_name = $1 AND query LIKE 'LISTEN%'`, bName).Scan(&pid)
		if errors.Is(err, sql.ErrNoRows) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	waitFor(t, 5*time.Second, func() bool { return listenerOfB() != 0 })

	var spa app
	a.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	spa.Redirect = "http://127.0.0.1:9/cb"
	lb := newRouter()
	rp := &http.Client{Transport: lb, Timeout: 30 * time.Second}
	lb.via(a)
	tokens, err := newBrowser(endpoint, lb).signUp(rp, spa, uniqueName("cache"), testPassword)
	if err != nil {
		t.Fatalf("sign-up on A: %v", err)
	}
	rt := tokens.RefreshToken
	// newAccessToken refreshes on A: a fresh opaque access token.
	newAccessToken := func() string {
		t.Helper()
		lb.via(a)
		ts, err := refresh(rp, endpoint, spa, rt)
		if err != nil {
			t.Fatalf("refresh on A: %v", err)
		}
		rt = ts.RefreshToken
		return ts.AccessToken
	}
	acceptedByB := func(tok string) {
		t.Helper()
		lb.via(b)
		if _, err := userinfo(rp, endpoint, tok); err != nil {
			t.Fatalf("userinfo on B: %v", err)
		}
	}

	// Revocation through A, refused on B.
	revokedOnA := func(at string) {
		t.Helper()
		acceptedByB(at)
		acceptedByB(at) // and now from B's cache
		lb.via(a)
		if err := revoke(rp, endpoint, spa, at); err != nil {
			t.Fatalf("revocation on A: %v", err)
		}
		revokedAt := time.Now()
		lb.via(b)
		d := refusedBy(t, rp, endpoint, at, revokedAt)
		t.Logf("node B refuses the token %s after its revocation on node A", d.Round(time.Millisecond))
		if d > refusedWithin {
			t.Fatalf("node B refused a token revoked on node A only after %s, want within %s", d, refusedWithin)
		}
	}
	revokedOnA(tokens.AccessToken)

	// Listener loss. The token's row is deleted behind every cache (no
	// notice at all), so only B's cache can still answer for it; killing
	// B's listener must make B drop that entry at once, well before the
	// TTL would.
	var lostAt time.Time
	for attempt := 1; ; attempt++ {
		at := newAccessToken()
		acceptedByB(at)
		loaded := time.Now()
		hash := sha256.Sum256([]byte(at))
		// An access token has a row of its own or is held in its refresh
		// token's row.
		if _, err := db.ExecContext(t.Context(), `DELETE FROM tokens WHERE hash = $1`, hash[:]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET at_hash = NULL WHERE at_hash = $1`, hash[:]); err != nil {
			t.Fatal(err)
		}
		// Still served: the entry is in B's cache (the test means
		// something) — unless this machine was too slow to tell.
		_, err := userinfo(rp, endpoint, at)
		if err != nil && time.Since(loaded) < time.Second {
			t.Fatalf("node B does not serve a just-read token from its cache: %v", err)
		}
		pid := listenerOfB()
		if err != nil || pid == 0 || time.Since(loaded) > time.Second {
			if attempt == 3 {
				t.Fatalf("could not set up a cached token on B in time (%v, listener %d)", err, pid)
			}
			continue
		}
		var ok bool
		if err := db.QueryRowContext(t.Context(), `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
			t.Fatalf("terminate B's listener %d: %v %v", pid, ok, err)
		}
		lostAt = time.Now()
		d := refusedBy(t, rp, endpoint, at, lostAt)
		t.Logf("node B stops serving its cached token %s after losing its listener (%s after reading it)",
			d.Round(time.Millisecond), time.Since(loaded).Round(time.Millisecond))
		if d > refusedWithin || time.Since(loaded) >= 3*time.Second {
			t.Fatalf("node B served a cached token %s after losing its listener, want within %s", d, refusedWithin)
		}
		break
	}

	// B listens again (a new backend) and acts on notices again.
	waitFor(t, 10*time.Second, func() bool { return listenerOfB() != 0 })
	t.Logf("node B listens again %s after the loss", time.Since(lostAt).Round(time.Millisecond))
	revokedOnA(newAccessToken())
}
