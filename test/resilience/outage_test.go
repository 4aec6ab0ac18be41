package resilience

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// probe is one answer observed during the outage test.
type probe struct {
	kind       string
	start, end time.Time
	status     int    // 0: no HTTP answer at all
	detail     string // error code, Location, or transport error
	ok         bool   // a normal, successful answer
	unavail    bool   // a correct "temporarily unavailable" answer
}

// outageKinds are the requests the load sends. Each returns a probe;
// anything neither ok nor unavail fails the test.
type outageClient struct {
	base        string
	c           *http.Client
	spa, m2m    app
	accessToken string
	br          *browser // holds an interaction for the Experience API

	mu         sync.Mutex
	families   []*chain // refresh-token chains, used one at a time
	lostChains int
}

// chain is a refresh token and whether its last rotation is in doubt.
type chain struct {
	rt        string
	ambiguous bool
}

// readJSONCode is an error body's OAuth error, or else its Experience /
// Management API code. (OAuth bodies also carry Logto's code,
// "oidc.<error>", logto-reference.md §1.15.)
func readJSONCode(raw []byte) string {
	var v struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	_ = json.Unmarshal(raw, &v)
	if v.Error != "" {
		return v.Error
	}
	return v.Code
}

func (oc *outageClient) do(kind string, req *http.Request, classify func(p *probe, resp *http.Response, raw []byte)) probe {
	p := probe{kind: kind, start: time.Now()}
	resp, raw, err := send(oc.c, req)
	p.end = time.Now()
	if err != nil {
		p.detail = err.Error()
		return p
	}
	p.status = resp.StatusCode
	p.detail = readJSONCode(raw)
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" && strings.HasPrefix(req.URL.Path, "/api/") {
		p.detail += " (no Retry-After)"
		return p
	}
	classify(&p, resp, raw)
	return p
}

// oidcJSON: 200, or 503 {"error":"temporarily_unavailable"}.
func oidcJSON(p *probe, resp *http.Response, raw []byte) {
	p.ok = resp.StatusCode == http.StatusOK
	p.unavail = resp.StatusCode == http.StatusServiceUnavailable && p.detail == "temporarily_unavailable"
}

// apiJSON: 2xx, or 503 {"code":"store.unavailable"}.
func apiJSON(p *probe, resp *http.Response, raw []byte) {
	p.ok = resp.StatusCode/100 == 2
	p.unavail = resp.StatusCode == http.StatusServiceUnavailable && p.detail == "store.unavailable"
}

func (oc *outageClient) userinfo() probe {
	req, _ := http.NewRequest("GET", oc.base+"/oidc/me", nil)
	req.Header.Set("Authorization", "Bearer "+oc.accessToken)
	return oc.do("userinfo", req, oidcJSON)
}

func (oc *outageClient) clientCredentials() probe {
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
	req, _ := http.NewRequest("POST", oc.base+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(oc.m2m.ID, oc.m2m.Secret)
	return oc.do("client_credentials", req, oidcJSON)
}

// refresh rotates the current chain. After a 503 the chain is ambiguous:
// the rotation may have committed just before the database went away
// and the answer was lost, so a later invalid_grant on that chain is
// legitimate and moves on to the next chain.
func (oc *outageClient) refresh() probe {
	oc.mu.Lock()
	if len(oc.families) == 0 {
		oc.mu.Unlock()
		return probe{kind: "refresh", start: time.Now(), end: time.Now(), detail: "every chain was lost"}
	}
	ch := oc.families[0]
	oc.mu.Unlock()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ch.rt}, "client_id": {oc.spa.ID}}
	req, _ := http.NewRequest("POST", oc.base+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return oc.do("refresh", req, func(p *probe, resp *http.Response, raw []byte) {
		oidcJSON(p, resp, raw)
		oc.mu.Lock()
		defer oc.mu.Unlock()
		var ts tokenSet
		switch {
		case p.ok && json.Unmarshal(raw, &ts) == nil && ts.RefreshToken != "":
			ch.rt, ch.ambiguous = ts.RefreshToken, false
		case p.unavail:
			ch.ambiguous = true
		case ch.ambiguous && p.detail == "invalid_grant":
			p.unavail = true // the lost rotation, now detected as reuse
			oc.families = oc.families[1:]
			oc.lostChains++
		}
	})
}

// authorize starts an interaction: a redirect to the sign-in page, or,
// without a database, the error sent back to the client
// (temporarily_unavailable) or shown on a 503 page.
func (oc *outageClient) authorize() probe {
	b := newBrowser(oc.base, oc.c.Transport)
	req, _ := http.NewRequest("GET", b.authURL(oc.spa, newPKCE(), ""), nil)
	p := probe{kind: "authorize", start: time.Now()}
	resp, raw, err := send(b.c, req)
	p.end = time.Now()
	if err != nil {
		p.detail = err.Error()
		return p
	}
	p.status = resp.StatusCode
	loc := resp.Header.Get("Location")
	p.detail = loc
	switch {
	case resp.StatusCode == http.StatusFound && strings.HasPrefix(loc, oc.base+"/sign-in"):
		p.ok = true
	case resp.StatusCode == http.StatusFound && strings.HasPrefix(loc, oc.spa.Redirect):
		u, _ := url.Parse(loc)
		p.unavail = u.Query().Get("error") == "temporarily_unavailable"
	case resp.StatusCode == http.StatusServiceUnavailable:
		p.unavail = strings.Contains(string(raw), "temporarily_unavailable")
		p.detail = "503 page"
	}
	return p
}

// experience restarts the held interaction's sign-in (a store read and
// write).
func (oc *outageClient) experience() probe {
	req, _ := http.NewRequest("PUT", oc.base+"/api/experience", strings.NewReader(`{"interactionEvent":"SignIn"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", oc.base)
	return oc.do("experience", req, apiJSON)
}

func (oc *outageClient) ready() probe {
	req, _ := http.NewRequest("GET", oc.base+"/api/status/ready", nil)
	return oc.do("ready", req, apiJSON)
}

func (oc *outageClient) live() probe {
	req, _ := http.NewRequest("GET", oc.base+"/api/status", nil)
	return oc.do("liveness", req, func(p *probe, resp *http.Response, raw []byte) {
		p.ok = resp.StatusCode == http.StatusNoContent
	})
}

// needsStore lists the kinds that cannot succeed without the database:
// during the outage they must all answer "unavailable". client_credentials
// may still succeed from the per-node client cache (JWT tokens need no
// write), and liveness never depends on the store.
var needsStore = map[string]bool{"userinfo": true, "refresh": true, "authorize": true, "experience": true, "ready": true}

// TestDatabaseOutage stops a private PostgreSQL under load and starts it
// again: meanwhile every request is answered, store-backed ones with 503
// and a clear code (or, for the authorization endpoint, the OAuth error
// sent to the client); afterwards everything works again; the process
// never dies and never panics.
func TestDatabaseOutage(t *testing.T) {
	pg := newPGCluster(t)
	n := newNode(t, "gatehouse", pg.url(), "")
	var spa, m2m app
	n.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	spa.Redirect = "http://127.0.0.1:9/cb"
	n.cli(&m2m, "apps", "create", "--type", "MachineToMachine", "--name", "robot")
	n.cli(nil, "resources", "create", "--indicator", "https://api.example.com", "--scope", "read", "--assign-app", m2m.ID)
	n.start()

	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	oc := &outageClient{base: n.endpoint, c: c, spa: spa, m2m: m2m}
	for i := range 8 {
		b := newBrowser(n.endpoint, tr)
		ts, err := b.signUp(c, spa, uniqueName("outage"), testPassword)
		if err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
		oc.accessToken = ts.AccessToken
		oc.families = append(oc.families, &chain{rt: ts.RefreshToken})
	}
	oc.br = newBrowser(n.endpoint, tr)
	if err := oc.br.authorize(spa, newPKCE()); err != nil {
		t.Fatal(err)
	}
	oc.c = oc.br.c // the Experience API call needs the interaction cookie

	var (
		mu     sync.Mutex
		probes []probe
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for _, kind := range []func() probe{oc.userinfo, oc.clientCredentials, oc.refresh, oc.authorize, oc.experience, oc.ready, oc.live} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := kind()
				mu.Lock()
				probes = append(probes, p)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}

	time.Sleep(time.Second)
	// The database starts refusing connections as soon as the stop begins,
	// and stopping can take a while on a busy machine: "before" ends when
	// the stop is asked for, "outage" starts once it is done.
	stopping := time.Now()
	pg.stop()
	stopped := time.Now()
	time.Sleep(3 * time.Second)
	restarting := time.Now()
	pg.start()
	started := time.Now()
	// Recovery: wait until every kind succeeded after the restart, then
	// keep the load on a little longer.
	recovered := waitFor(t, 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		seen := map[string]bool{}
		for _, p := range probes {
			if p.start.After(started) && p.ok {
				seen[p.kind] = true
			}
		}
		return len(seen) == 7
	})
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	settled := started.Add(recovered)
	t.Logf("database down %s; every kind of request succeeded again %s after PostgreSQL was back",
		restarting.Sub(stopped).Round(time.Millisecond), recovered.Round(time.Millisecond))

	counts := map[string]map[string]int{}
	var bad []string
	for _, p := range probes {
		phase := "up"
		switch {
		case p.end.Before(stopping):
			phase = "before"
		case p.start.After(stopped.Add(500*time.Millisecond)) && p.end.Before(restarting):
			phase = "outage"
		case p.start.After(settled):
			phase = "after"
		default:
			phase = "transition"
		}
		if counts[p.kind] == nil {
			counts[p.kind] = map[string]int{}
		}
		outcome := "ok"
		if p.unavail {
			outcome = "unavailable"
		}
		counts[p.kind][phase+":"+outcome]++
		switch {
		case !p.ok && !p.unavail:
			bad = append(bad, fmt.Sprintf("%s (%s): status %d %s", p.kind, phase, p.status, p.detail))
		case phase == "outage" && needsStore[p.kind] && !p.unavail:
			bad = append(bad, fmt.Sprintf("%s answered %d during the outage without a database", p.kind, p.status))
		case (phase == "before" || phase == "after") && !p.ok:
			bad = append(bad, fmt.Sprintf("%s (%s, database up): status %d %s", p.kind, phase, p.status, p.detail))
		}
	}
	t.Logf("answers by kind and phase: %v; refresh chains lost to a rotation whose answer was a 503: %d", counts, oc.lostChains)
	if len(bad) > 0 {
		if len(bad) > 15 {
			bad = append(bad[:15], fmt.Sprintf("... and %d more", len(bad)-15))
		}
		t.Fatalf("wrong answers:\n%s", strings.Join(bad, "\n"))
	}
	for kind := range needsStore {
		if counts[kind]["outage:unavailable"] == 0 {
			t.Errorf("no %s request was answered during the outage", kind)
		}
	}

	// Full recovery: a new user signs up and uses the tokens.
	b := newBrowser(n.endpoint, tr)
	ts, err := b.signUp(c, spa, uniqueName("after"), testPassword)
	if err != nil {
		t.Fatalf("sign-up after the outage: %v", err)
	}
	if _, err := userinfo(c, n.endpoint, ts.AccessToken); err != nil {
		t.Fatalf("userinfo after the outage: %v", err)
	}
	if _, err := refresh(c, n.endpoint, spa, ts.RefreshToken); err != nil {
		t.Fatalf("refresh after the outage: %v", err)
	}
	if !n.alive() {
		t.Fatal("the server died during the outage")
	}
	if logs := n.logs.String(); strings.Contains(logs, "panic") {
		t.Fatalf("a panic was logged:\n%s", logs)
	}
}
