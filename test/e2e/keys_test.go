package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestKeyRotation: rotating switches signing to a key published ahead of
// its use, keeps the old key published beside it, and tokens signed before
// keep verifying through discovery and JWKS until they expire.
func TestKeyRotation(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional})
		b := testenv.NewBrowser(t, srv.URL)
		before := r.login(b).Extra("id_token").(string)
		oldKid := kidOf(t, before)
		published := jwksKids(t, srv)

		must(t, srv.Keys.Rotate(ctx))

		kids := jwksKids(t, srv)
		if !kids[oldKid] || len(kids) < 3 {
			t.Fatalf("JWKS after rotation %v must keep the old key %s beside the new one", kids, oldKid)
		}
		after := r.login(b).Extra("id_token").(string)
		newKid := kidOf(t, after)
		if newKid == oldKid || !kids[newKid] {
			t.Fatalf("signing did not switch: old %s, new %s", oldKid, newKid)
		}
		// The new signing key was in the JWKS before the rotation (Logto's
		// Next key), so nodes and caches that lag still verify it.
		if !published[newKid] {
			t.Fatalf("the new signing key %s was not published ahead (%v)", newKid, published)
		}
		// A fresh verifier (a new RP process) accepts both.
		p, err := oidc.NewProvider(ctx, srv.URL+"/oidc")
		must(t, err)
		v := p.Verifier(&oidc.Config{ClientID: r.app.ID})
		for name, raw := range map[string]string{"before": before, "after": after} {
			if _, err := v.Verify(ctx, raw); err != nil {
				t.Fatalf("token signed %s the rotation: %v", name, err)
			}
		}
		// A second rotation drops the oldest ES256 key (one Previous kept).
		must(t, srv.Keys.Rotate(ctx))
		if jwksKids(t, srv)[oldKid] {
			t.Fatal("a key two rotations old is still published")
		}
	})
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	must(t, err)
	return jws.Signatures[0].Protected.KeyID
}

func jwksKids(t *testing.T, srv *testenv.Server) map[string]bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/jwks", nil)
	st, body := do(t, req)
	var set jose.JSONWebKeySet
	if st != 200 || json.Unmarshal(body, &set) != nil {
		t.Fatalf("jwks: %d %s", st, body)
	}
	out := map[string]bool{}
	for _, k := range set.Keys {
		out[k.KeyID] = true
	}
	return out
}
