package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMustLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:1/x", "http://localhost:8080", "http://[::1]:9/", "http://127.0.0.2/"} {
		if err := mustLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/", "https://example.com/", "http://192.168.1.1:80/", "http://0.0.0.0/"} {
		if err := mustLoopback(u); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
}

func TestTransportRefusesNonLoopback(t *testing.T) {
	hc := newClient(loopbackTransport(1), nil)
	// do() refuses before dialing; the transport refuses on its own too.
	if _, err := do(hc, "GET", "http://192.0.2.1/", nil, nil); err == nil {
		t.Fatal("do sent a request to a non-loopback address")
	}
	req, _ := http.NewRequest("GET", "http://192.0.2.1/", nil)
	if _, err := hc.Do(req); err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("transport dialed a non-loopback address: %v", err)
	}
}

func TestCodeFrom(t *testing.T) {
	ru := "http://127.0.0.1:1/cb"
	if _, done, _ := codeFrom("http://127.0.0.1:1/sign-in", ru, "s"); done {
		t.Error("not the redirect URI, but done")
	}
	code, done, err := codeFrom(ru+"?code=abc&state=s", ru, "s")
	if !done || err != nil || code != "abc" {
		t.Errorf("got %q %v %v", code, done, err)
	}
	if _, _, err := codeFrom(ru+"?code=abc&state=other", ru, "s"); err == nil {
		t.Error("state mismatch accepted")
	}
	if _, _, err := codeFrom(ru+"?error=access_denied&state=s", ru, "s"); err == nil {
		t.Error("error response accepted")
	}
}

func TestFirstJSONObject(t *testing.T) {
	var v struct{ ID, Secret string }
	out := "time=... level=info msg=migrated {broken\n{\"id\":\"a1\",\"secret\":\"s\"}\n"
	if err := firstJSONObject([]byte(out), &v); err != nil || v.ID != "a1" || v.Secret != "s" {
		t.Fatalf("%v %+v", err, v)
	}
}

func TestJWTAlg(t *testing.T) {
	// {"alg":"ES256"} . {} . sig
	if got := jwtAlg("eyJhbGciOiJFUzI1NiJ9.e30.c2ln"); got != "ES256" {
		t.Errorf("got %s", got)
	}
	if got := jwtAlg("opaque-token"); got != "opaque" {
		t.Errorf("got %s", got)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{1234567: "1,234,567", 12345: "12,345", 999: "999", 12.34: "12.3"} {
		if got := fmtRate(in); got != want {
			t.Errorf("fmtRate(%v) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{
		1500 * time.Microsecond: "1.50 ms", 250 * time.Microsecond: "250 µs", 40 * time.Millisecond: "40 ms", 2 * time.Second: "2.00 s",
	} {
		if got := fmtDur(in); got != want {
			t.Errorf("fmtDur(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestRunGoCountsOpsAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(500)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	hc := newClient(loopbackTransport(4), nil)
	lo := runGo(4, 200*time.Millisecond, func(w int) error {
		path := "/ok"
		if w == 3 {
			path = "/fail"
		}
		r, err := do(hc, "GET", srv.URL+path, nil, nil)
		if err != nil {
			return err
		}
		if r.status != 200 {
			return errStatus(r)
		}
		return nil
	})
	if lo.ops == 0 || lo.errs == 0 || lo.p50 <= 0 || lo.p99 < lo.p50 {
		t.Fatalf("unexpected %+v", lo)
	}
}

type errStatus resp

func (e errStatus) Error() string { return resp(e).String() }

func TestMergeKeepsBestRound(t *testing.T) {
	a := &serverResult{name: "x", idleRSS: 20, loadRSS: 50, cold: []time.Duration{1}, res: map[string]*result{
		"jwks": {rps: 100}, "cc": {na: "404"},
	}}
	b := &serverResult{name: "x", idleRSS: 15, loadRSS: 70, cold: []time.Duration{2}, res: map[string]*result{
		"jwks": {rps: 90}, "cc": {rps: 10},
	}}
	a.merge(b)
	if a.res["jwks"].rps != 100 || a.res["cc"].rps != 10 || a.idleRSS != 15 || a.loadRSS != 70 || len(a.cold) != 2 {
		t.Fatalf("merge: %+v", a)
	}
}

func TestHashRefs(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes ~16 times")
	}
	r, err := measureHashRefs()
	if err != nil {
		t.Fatal(err)
	}
	if r.gatehouse <= 0 || r.xcrypto <= 0 {
		t.Fatalf("%+v", r)
	}
	t.Logf("one password check: Gatehouse %v, x/crypto %v", r.gatehouse, r.xcrypto)
	if ref, _ := r.forServer("gatehouse-postgres"); ref != r.gatehouse {
		t.Error("gatehouse rows must use Gatehouse's own hash")
	}
	if ref, _ := r.forServer("hydra-tuned"); ref != r.xcrypto {
		t.Error("hydra rows must use x/crypto's")
	}
	if ref, _ := r.forServer("node"); ref != 0 {
		t.Error("node has no in-harness reference")
	}
}

func TestOutsideHash(t *testing.T) {
	if got := outsideHash(100*time.Millisecond, 90*time.Millisecond); got < 0.099 || got > 0.101 {
		t.Error(got)
	}
	if got := outsideHash(time.Millisecond, 2*time.Millisecond); got != 0 {
		t.Error(got)
	}
}

// TestPortFree: a port something listens on is not free; once closed, it is.
func TestPortFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if portFree(port) {
		t.Fatalf("port %d reported free while listened on", port)
	}
	l.Close()
	if !portFree(port) {
		t.Fatalf("port %d reported taken after close", port)
	}
}
