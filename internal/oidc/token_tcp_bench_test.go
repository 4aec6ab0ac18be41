package oidc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkClientCredentialsTCP runs the client_credentials grant over a
// loopback TCP connection with keep-alive, so a CPU profile focused on
// net/http.(*conn).serve shows the server side as bench/ sees it (without
// internal/server's middleware).
func BenchmarkClientCredentialsTCP(b *testing.B) {
	op, mux := benchMux(b)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	const form = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read+write"
	secret := op.secrets["m2m"]
	client := srv.Client()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oidc/token", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("m2m", secret)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.StatusCode)
			}
		}
	})
}
