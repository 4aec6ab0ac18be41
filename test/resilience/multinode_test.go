package resilience

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// router plays the load balancer in front of several nodes: every request
// keeps the public URL (so Host, Origin and cookies are the deployment's)
// and goes to the node chosen with via.
type router struct {
	mu     sync.Mutex
	target *node
	byNode map[*node]*http.Transport
}

func newRouter() *router { return &router{byNode: map[*node]*http.Transport{}} }

// via sends the following requests to n.
func (r *router) via(n *node) *router {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.target = n
	if r.byNode[n] == nil {
		addr := n.addr
		d := &net.Dialer{Timeout: 5 * time.Second}
		r.byNode[n] = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}}
	}
	return r
}

func (r *router) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	t := r.byNode[r.target]
	r.mu.Unlock()
	return t.RoundTrip(req)
}

// metric reads one sample of a node's /metrics ("" labels = no labels).
func metric(t *testing.T, n *node, name, labels string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+labels) + ` (\S+)$`)
	m := re.FindSubmatch(raw)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// jwksKids lists the key IDs a node publishes.
func jwksKids(n *node) ([]string, error) {
	resp, err := http.Get("http://" + n.addr + "/oidc/jwks")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	slices.Sort(kids)
	return kids, nil
}

// reloadWithin is how long a node may take to see a key change made
// elsewhere: the server reloads keys every 10 s.
const reloadWithin = 15 * time.Second

// TestTwoNodes runs two gatehouse processes on one PostgreSQL schema with
// the same secret key, behind a simulated load balancer, and moves one
// user's flows between them.
func TestTwoNodes(t *testing.T) {
	dbURL := pgSchema(t, postgresURL(t))
	// The public endpoint is the load balancer's; neither node listens
	// there. Both nodes start at once on an empty schema, as replicas do.
	endpoint := "http://localhost:" + portOf(t, freeAddr(t))
	a := newNode(t, "node A", dbURL, endpoint)
	b := newNode(t, "node B", dbURL, endpoint)
	var wg sync.WaitGroup
	for _, n := range []*node{a, b} {
		wg.Go(n.start)
	}
	wg.Wait()

	// Concurrent first starts create one key set between them (the loser
	// of the race loads the winner's): both nodes publish the same JWKS
	// from their first request, not only after a reload.
	ka, errA := jwksKids(a)
	kb, errB := jwksKids(b)
	if errA != nil || errB != nil || len(ka) == 0 || !slices.Equal(ka, kb) {
		t.Fatalf("JWKS after a concurrent first start: A %v (%v), B %v (%v)", ka, errA, kb, errB)
	}

	var spa, m2m app
	a.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	spa.Redirect = "http://127.0.0.1:9/cb"
	a.cli(&m2m, "apps", "create", "--type", "MachineToMachine", "--name", "robot")
	a.cli(nil, "resources", "create", "--indicator", "https://api.example.com", "--scope", "read", "--assign-app", m2m.ID)

	lb := newRouter()
	br := newBrowser(endpoint, lb)
	rp := &http.Client{Transport: lb, Timeout: 30 * time.Second}

	// Sign-in: the authorization request on A; the Experience API,
	// submit and resume on B; the code exchange on A.
	p := newPKCE()
	lb.via(a)
	if err := br.authorize(spa, p); err != nil {
		t.Fatalf("authorize on A: %v", err)
	}
	lb.via(b)
	username := uniqueName("multi")
	redirectTo, err := br.register(username, testPassword)
	if err != nil {
		t.Fatalf("register on B: %v", err)
	}
	code, err := br.callback(redirectTo, spa, p)
	if err != nil {
		t.Fatalf("resume on B: %v", err)
	}
	lb.via(a)
	fromA, err := exchange(rp, endpoint, spa, code, p)
	if err != nil {
		t.Fatalf("code exchange on A: %v", err)
	}
	if fromA.RefreshToken == "" || fromA.IDToken == "" {
		t.Fatalf("no refresh or ID token: %+v", fromA)
	}
	// The metrics prove where each step ran.
	submit := `{code="200",route="POST /api/experience/submit"}`
	if nb, na := metric(t, b, "gatehouse_http_requests_total", submit), metric(t, a, "gatehouse_http_requests_total", submit); nb != 1 || na != 0 {
		t.Fatalf("submit served %v times by B and %v by A, want 1 and 0", nb, na)
	}
	codeGrant := `{grant_type="authorization_code"}`
	if na, nb := metric(t, a, "gatehouse_oidc_tokens_issued_total", codeGrant), metric(t, b, "gatehouse_oidc_tokens_issued_total", codeGrant); na != 1 || nb != 0 {
		t.Fatalf("code exchanged %v times on A and %v on B, want 1 and 0", na, nb)
	}

	// The session made on B gives SSO on A.
	lb.via(a)
	if _, err := br.sso(spa); err != nil {
		t.Fatalf("SSO on A with the session from B: %v", err)
	}

	// Refresh on B of the token issued on A; its access token works on A.
	lb.via(b)
	fromB, err := refresh(rp, endpoint, spa, fromA.RefreshToken)
	if err != nil {
		t.Fatalf("refresh on B of A's token: %v", err)
	}
	lb.via(a)
	subA, err := userinfo(rp, endpoint, fromB.AccessToken)
	if err != nil {
		t.Fatalf("userinfo on A with B's token: %v", err)
	}
	lb.via(b)
	if subB, err := userinfo(rp, endpoint, fromA.AccessToken); err != nil || subB != subA {
		t.Fatalf("userinfo on B with A's token: %q %v (A says %q)", subB, err, subA)
	}

	// Key rotation against the database (the CLI is a third process).
	// The new signing key is the Next key both nodes have published since
	// they started, so tokens it signs verify against either node's JWKS
	// at once, whichever node signed them. Each node switches to signing
	// with it at its next reload (every 10 s), so within reloadWithin of
	// the rotation; until then it keeps signing with the old key, which
	// stays published as Previous: tokens signed before or during the
	// switch keep verifying everywhere.
	oldKid, _, _ := jwtHeader(fromA.IDToken)
	lb.via(a)
	oldCC, err := clientCredentials(rp, endpoint, m2m, "https://api.example.com")
	if err != nil {
		t.Fatalf("client_credentials on A: %v", err)
	}
	publishedA, _ := jwksKids(a)
	publishedB, _ := jwksKids(b)
	var rotated struct {
		CurrentKeyID string `json:"currentKeyId"`
	}
	rotatedAt := time.Now()
	a.cli(&rotated, "keys", "rotate")
	if rotated.CurrentKeyID == "" || rotated.CurrentKeyID == oldKid {
		t.Fatalf("keys rotate answered %+v (old kid %s)", rotated, oldKid)
	}
	if !slices.Contains(publishedA, rotated.CurrentKeyID) || !slices.Contains(publishedB, rotated.CurrentKeyID) {
		t.Fatalf("the new signing key %s was not published ahead of the rotation (A %v, B %v)",
			rotated.CurrentKeyID, publishedA, publishedB)
	}

	for _, n := range []*node{a, b} {
		lb.via(n)
		var cc *tokenSet
		waitFor(t, reloadWithin-time.Since(rotatedAt), func() bool {
			if cc, err = clientCredentials(rp, endpoint, m2m, "https://api.example.com"); err != nil {
				t.Fatalf("client_credentials on %s after the rotation: %v", n.name, err)
			}
			kid, _, _ := jwtHeader(cc.AccessToken)
			return kid == rotated.CurrentKeyID
		})
		t.Logf("%s signs with the new key %s after the rotation", n.name, time.Since(rotatedAt).Round(time.Millisecond))
		keys := oidc.NewRemoteKeySet(t.Context(), "http://"+other(n, a, b).addr+"/oidc/jwks")
		if _, err := keys.VerifySignature(t.Context(), cc.AccessToken); err != nil {
			t.Fatalf("%s's token with the new key does not verify against %s's JWKS: %v", n.name, other(n, a, b).name, err)
		}
		if _, err := keys.VerifySignature(t.Context(), oldCC.AccessToken); err != nil {
			t.Fatalf("a token signed before the rotation no longer verifies against %s: %v", other(n, a, b).name, err)
		}
	}
	lb.via(b)
	again, err := refresh(rp, endpoint, spa, fromB.RefreshToken)
	if err != nil {
		t.Fatalf("refresh on B after the rotation: %v", err)
	}
	if kid, _, _ := jwtHeader(again.IDToken); kid != rotated.CurrentKeyID {
		t.Fatalf("B signs ID tokens with %s after the rotation, want %s", kid, rotated.CurrentKeyID)
	}

	// Refresh-token reuse is detected across nodes: the token B rotated
	// out, presented to A, revokes the family everywhere.
	lb.via(a)
	_, err = refresh(rp, endpoint, spa, fromA.RefreshToken)
	var se *statusError
	if !errors.As(err, &se) || se.oauthCode() != "invalid_grant" {
		t.Fatalf("reuse of a rotated refresh token on A: %v, want invalid_grant", err)
	}
	lb.via(b)
	if _, err := refresh(rp, endpoint, spa, again.RefreshToken); !errors.As(err, &se) || se.oauthCode() != "invalid_grant" {
		t.Fatalf("the family's newest refresh token on B after reuse on A: %v, want invalid_grant", err)
	}
}

func other(n, a, b *node) *node {
	if n == a {
		return b
	}
	return a
}

func portOf(t testing.TB, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// waitFor polls cond until it holds, failing the test after timeout, and
// returns how long it took.
func waitFor(t testing.TB, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}
