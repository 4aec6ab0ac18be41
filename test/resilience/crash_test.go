package resilience

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// family is one code exchange's refresh-token chain as the client knows
// it.
type family struct {
	rt     string   // the newest refresh token received
	access []string // every opaque access token received for it
	sub    string
	// busy: a worker is refreshing it. inFlight: a refresh was sent and
	// its answer never arrived (the kill came first), so the server may or
	// may not have rotated rt: it is checked last, and either outcome is
	// legitimate.
	busy, inFlight bool
	dead           bool // rotated before the crash; the family was revoked by the check
}

// ledger is everything the clients received, with counters.
type ledger struct {
	mu       sync.Mutex
	families []*family
	jwts     []string // client_credentials access tokens and ID tokens
	sessions []*browser
	failures []string // answers that must never happen under load

	signUps, refreshes, grants, throttled atomic.Int64
}

func (l *ledger) fail(format string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) < 20 {
		l.failures = append(l.failures, format)
	}
}

// classify sorts a client error: a complete HTTP answer other than the
// expected one is a failure (429 aside: throttling is allowed); anything
// else is the connection dying, expected around the kill.
func (l *ledger) classify(err error) (received bool) {
	var se *statusError
	if !errors.As(err, &se) {
		return false
	}
	if se.Status == http.StatusTooManyRequests {
		l.throttled.Add(1)
		return true
	}
	l.fail(err.Error())
	return true
}

// load runs the clients until stop closes: sign-ups (each a new user, a
// new browser session and a new refresh-token family), refreshes of the
// families' newest tokens, and client_credentials grants.
func load(base string, spa, m2m app, led *ledger, tr http.RoundTripper, stop <-chan struct{}) *sync.WaitGroup {
	rp := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	loop := func(step func() error) {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := step(); err != nil && !led.classify(err) {
					time.Sleep(10 * time.Millisecond) // the server is down
				}
			}
		})
	}
	for range 2 {
		loop(func() error {
			b := newBrowser(base, tr)
			ts, err := b.signUp(rp, spa, uniqueName("crash"), testPassword)
			if err != nil {
				return err
			}
			if ts.RefreshToken == "" {
				led.fail("a sign-up got no refresh token")
				return nil
			}
			led.mu.Lock()
			led.families = append(led.families, &family{rt: ts.RefreshToken, access: []string{ts.AccessToken}})
			led.jwts = append(led.jwts, ts.IDToken)
			led.sessions = append(led.sessions, b)
			led.mu.Unlock()
			led.signUps.Add(1)
			return nil
		})
	}
	for range 2 {
		loop(func() error {
			led.mu.Lock()
			var f *family
			for i := len(led.families) - 1; i >= 0; i-- {
				if c := led.families[i]; !c.busy && !c.inFlight && !c.dead {
					f = c
					break
				}
			}
			if f != nil {
				f.busy = true
			}
			led.mu.Unlock()
			if f == nil {
				time.Sleep(5 * time.Millisecond)
				return nil
			}
			ts, err := refresh(rp, base, spa, f.rt)
			led.mu.Lock()
			defer led.mu.Unlock()
			f.busy = false
			if err != nil {
				var se *statusError
				if !errors.As(err, &se) {
					f.inFlight = true
				}
				return err
			}
			f.rt = ts.RefreshToken
			f.access = append(f.access, ts.AccessToken)
			led.jwts = append(led.jwts, ts.IDToken)
			led.refreshes.Add(1)
			return nil
		})
	}
	loop(func() error {
		ts, err := clientCredentials(rp, base, m2m, "https://api.example.com")
		if err != nil {
			return err
		}
		led.mu.Lock()
		led.jwts = append(led.jwts, ts.AccessToken)
		led.mu.Unlock()
		led.grants.Add(1)
		return nil
	})
	return &wg
}

// TestKillDuringLoad kill -9s the server while clients sign up, refresh
// and fetch client_credentials tokens, restarts it on the same database,
// and checks that everything a client received still works, twice per
// backend.
func TestKillDuringLoad(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		n := newNode(t, "gatehouse", dbURL, "")
		var spa, m2m app
		n.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
		spa.Redirect = "http://127.0.0.1:9/cb"
		n.cli(&m2m, "apps", "create", "--type", "MachineToMachine", "--name", "robot")
		n.cli(nil, "resources", "create", "--indicator", "https://api.example.com", "--scope", "read", "--assign-app", m2m.ID)
		n.start()

		led := &ledger{}
		for cycle := 1; cycle <= 2; cycle++ {
			tr := &http.Transport{MaxIdleConnsPerHost: 8}
			stop := make(chan struct{})
			signUps, refreshes := led.signUps.Load(), led.refreshes.Load()
			wg := load(n.endpoint, spa, m2m, led, tr, stop)
			// Kill once the load is well under way, while requests are in
			// flight.
			deadline := time.Now().Add(20 * time.Second)
			for led.signUps.Load()-signUps < 6 || led.refreshes.Load()-refreshes < 20 {
				if time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			n.kill()
			close(stop)
			wg.Wait()
			tr.CloseIdleConnections()
			led.mu.Lock()
			failures := append([]string(nil), led.failures...)
			led.mu.Unlock()
			if len(failures) > 0 {
				t.Fatalf("cycle %d: wrong answers under load:\n%s", cycle, strings.Join(failures, "\n"))
			}
			if led.signUps.Load()-signUps < 1 || led.refreshes.Load()-refreshes < 1 {
				t.Fatalf("cycle %d: too little load before the kill (%d sign-ups, %d refreshes)", cycle,
					led.signUps.Load()-signUps, led.refreshes.Load()-refreshes)
			}

			n.start()
			verifyReceived(t, n, spa, led)
			checkNoPartialRecords(t, dbURL)
			t.Logf("cycle %d: %d sign-ups, %d refreshes, %d client_credentials so far (%d throttled); all received tokens, sessions and grants valid after kill -9",
				cycle, led.signUps.Load(), led.refreshes.Load(), led.grants.Load(), led.throttled.Load())
		}
	})
}

// verifyReceived checks, after a restart, every token and session the
// clients received. Families whose last refresh never got its answer are
// checked last, because presenting a token the server did rotate revokes
// the whole family (reuse detection).
func verifyReceived(t *testing.T, n *node, spa app, led *ledger) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	rp := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	led.mu.Lock()
	defer led.mu.Unlock()

	var checkedRT, checkedAT, ambiguous, rotatedUnseen int
	for _, f := range led.families {
		if f.dead || f.inFlight {
			continue
		}
		for _, at := range f.access {
			sub, err := userinfo(rp, n.endpoint, at)
			if err != nil {
				t.Fatalf("an access token received before the kill is refused after restart: %v", err)
			}
			if f.sub != "" && sub != f.sub {
				t.Fatalf("access token of one family names two users: %s and %s", f.sub, sub)
			}
			f.sub = sub
			checkedAT++
		}
		ts, err := refresh(rp, n.endpoint, spa, f.rt)
		if err != nil {
			t.Fatalf("the newest refresh token received before the kill is refused after restart: %v", err)
		}
		f.rt = ts.RefreshToken
		f.access = append(f.access, ts.AccessToken)
		checkedRT++
	}
	keys := oidc.NewRemoteKeySet(t.Context(), n.endpoint+"/oidc/jwks")
	for _, jwt := range led.jwts {
		if _, err := keys.VerifySignature(t.Context(), jwt); err != nil {
			t.Fatalf("a JWT received before the kill no longer verifies: %v", err)
		}
	}
	for _, b := range led.sessions {
		b.c.Transport = tr
		if _, err := b.sso(spa); err != nil {
			t.Fatalf("a session established before the kill gives no SSO after restart: %v", err)
		}
	}
	for _, f := range led.families {
		if f.dead || !f.inFlight {
			continue
		}
		ambiguous++
		ts, err := refresh(rp, n.endpoint, spa, f.rt)
		var se *statusError
		switch {
		case err == nil:
			f.rt, f.inFlight = ts.RefreshToken, false
			f.access = append(f.access, ts.AccessToken)
		case errors.As(err, &se) && se.oauthCode() == "invalid_grant":
			// The server rotated it; the answer died with the process.
			f.dead = true
			rotatedUnseen++
		default:
			t.Fatalf("refresh of a token whose rotation was in flight at the kill: %v", err)
		}
	}
	t.Logf("verified %d refresh tokens, %d access tokens, %d JWTs, %d sessions; %d refreshes were in flight at the kill (%d had been rotated)",
		checkedRT, checkedAT, len(led.jwts), len(led.sessions), ambiguous, rotatedUnseen)
}

// checkNoPartialRecords looks at the rows themselves: the database is
// intact and no multi-row write is half there.
func checkNoPartialRecords(t *testing.T, dbURL string) {
	t.Helper()
	db := openDB(t, dbURL)
	ctx := t.Context()
	count := func(what, query string) {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Fatalf("%s: %d rows", what, n)
		}
	}
	if strings.HasPrefix(dbURL, "sqlite://") {
		var res string
		if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check: %q %v", res, err)
		}
		rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			t.Fatal(err)
		}
		broken := rows.Next()
		rows.Close()
		if broken {
			t.Fatal("foreign_key_check found rows pointing at nothing")
		}
	}
	// Rotation consumes the old refresh token and creates its successor in
	// one transaction: a consumed token without a successor is half a
	// rotation.
	count("consumed refresh tokens without a successor", `SELECT count(*) FROM tokens t
		WHERE t.kind = 'refresh' AND t.consumed_at IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM tokens s WHERE s.grant_id = t.grant_id AND s.kind = 'refresh'
			AND s.hash <> t.hash AND s.created_at >= t.consumed_at)`)
	// Registration writes the user with its identifier and password at once.
	count("users without username or password", `SELECT count(*) FROM users WHERE username IS NULL OR password_hash = ''`)
	count("sessions of missing users", `SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)`)
	count("tokens of missing users", `SELECT count(*) FROM tokens t WHERE t.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)`)
}
