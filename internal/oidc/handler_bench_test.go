package oidc

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// These run the real handler (mux, parsing, client authentication, SQLite
// reads, signing) in process, without the network, so they measure our
// per-request cost. bench/ measures whole servers side by side.

func benchMux(b *testing.B) (*testOP, *http.ServeMux) {
	op := newOP(b, nil)
	mux := http.NewServeMux()
	op.h.Mount(mux)
	return op, mux
}

func BenchmarkDiscovery(b *testing.B) {
	_, mux := benchMux(b)
	req := httptest.NewRequest(http.MethodGet, "/oidc/.well-known/openid-configuration", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkJWKS(b *testing.B) {
	_, mux := benchMux(b)
	req := httptest.NewRequest(http.MethodGet, "/oidc/jwks", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkClientCredentials(b *testing.B) {
	op, mux := benchMux(b)
	const form = "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read+write"
	secret := op.secrets["m2m"]
	run := func(b *testing.B) {
		req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("m2m", secret)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run(b)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				run(b)
			}
		})
	})
}

func BenchmarkIntrospection(b *testing.B) {
	op, mux := benchMux(b)
	const at = "bench-access-token-0123456789abcdefghijklmnop"
	must(b, op.st.CreateToken(b.Context(), &store.Token{Hash: token.Hash(at), Kind: store.TokenAccess, ClientID: "web",
		UserID: "user1", Scopes: []string{"openid"}, CreatedAt: op.now, ExpiresAt: op.now.Add(time.Hour)}))
	secret := op.secrets["web"]
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/oidc/token/introspection", strings.NewReader("token="+at))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("web", secret)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"active":true`) {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
