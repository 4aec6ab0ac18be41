package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The TCP benchmarks run the whole server handler behind a real loopback
// listener with keep-alive, as bench/ drives it: a CPU profile focused on
// net/http.(*conn).serve is the server's side of one request.

func benchTCP(b *testing.B, newReq func(e *benchEnv, url string) *http.Request) {
	e := newBenchServer(b)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	client := srv.Client()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(newReq(e, srv.URL))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatal(resp.StatusCode)
			}
		}
	})
}

func BenchmarkTCPUserinfo(b *testing.B) {
	benchTCP(b, func(e *benchEnv, url string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url+"/oidc/me", nil)
		req.Header.Set("Authorization", "Bearer "+e.at)
		return req
	})
}

func BenchmarkTCPIntrospection(b *testing.B) {
	benchTCP(b, func(e *benchEnv, url string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, url+"/oidc/token/introspection", strings.NewReader("token="+e.at))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(e.client, e.secret)
		return req
	})
}
