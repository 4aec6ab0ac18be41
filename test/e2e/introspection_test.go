package e2e

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/rbac"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

type introspected struct {
	Active    bool   `json:"active"`
	Sub       string `json:"sub"`
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
	TokenType string `json:"token_type"`
	Exp       int64  `json:"exp"`
}

func (r *rp) introspect(tok string) introspected {
	r.t.Helper()
	st, body := r.post("/oidc/token/introspection", url.Values{"token": {tok}})
	var out introspected
	if st != 200 || json.Unmarshal(body, &out) != nil {
		r.t.Fatalf("introspection: %d %s", st, body)
	}
	return out
}

// TestIntrospectionAndRevocation: RFC 7662 for opaque access and refresh
// tokens (confidential clients only, JWTs are not introspected, as in
// Logto), RFC 7009 revocation of both, and the authorization-code replay
// that revokes what the code issued.
func TestIntrospectionAndRevocation(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		rb := &rbac.Service{Store: srv.Store}
		res, err := rb.CreateResource(ctx, "API", "https://api.example.com", 0)
		must(t, err)
		web := newRP(t, srv, application.CreateInput{Type: store.AppTraditional}, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
		spa := newRP(t, srv, application.CreateInput{Type: store.AppSPA}, oidc.ScopeOpenID)
		b := testenv.NewBrowser(t, srv.URL)
		// With the resource on the token request the code grant answers
		// with a JWT for it; the refresh grant without resource gives an
		// opaque one.
		tok := web.exchange(web.authorize(b, append(offline, setParam("resource", res.Indicator))...),
			setParam("resource", res.Indicator))
		jwtAT := tok.AccessToken
		opaque, err := web.refresh(tok.RefreshToken)
		must(t, err)

		at := web.introspect(opaque.AccessToken)
		if !at.Active || at.ClientID != web.app.ID || at.Sub == "" || at.Scope != "openid offline_access" || at.TokenType != "Bearer" || at.Exp == 0 {
			t.Fatalf("access token introspection %+v", at)
		}
		if rt := web.introspect(tok.RefreshToken); !rt.Active || rt.Sub != at.Sub {
			t.Fatalf("refresh token introspection %+v", rt)
		}
		for name, tk := range map[string]string{"jwt": jwtAT, "unknown": "nope", "id token": tok.Extra("id_token").(string)} {
			if web.introspect(tk).Active {
				t.Fatalf("%s token introspected as active", name)
			}
		}
		// Introspection is for confidential clients only.
		st, body := spa.post("/oidc/token/introspection", url.Values{"token": {opaque.AccessToken}})
		wantError(t, st, body, 401, "invalid_client")
		st, body = postForm(t, srv.URL+"/oidc/token/introspection", url.Values{"token": {opaque.AccessToken}})
		wantError(t, st, body, 401, "invalid_client")
		st, body = web.post("/oidc/token/introspection", url.Values{})
		wantError(t, st, body, 400, "invalid_request")

		// Revocation (RFC 7009).
		st, body = web.post("/oidc/token/revocation", url.Values{"token": {jwtAT}})
		wantError(t, st, body, 400, "unsupported_token_type")
		st, body = web.post("/oidc/token/revocation", url.Values{"token": {opaque.AccessToken}, "token_type_hint": {"bogus"}})
		wantError(t, st, body, 400, "unsupported_token_type")
		st, body = spa.post("/oidc/token/revocation", url.Values{"token": {opaque.AccessToken}})
		wantError(t, st, body, 400, "invalid_request") // not the spa's token
		if st, _ := web.post("/oidc/token/revocation", url.Values{"token": {"unknown"}}); st != 200 {
			t.Fatalf("revoking an unknown token: %d", st)
		}
		if st, body := web.post("/oidc/token/revocation", url.Values{"token": {opaque.AccessToken}, "token_type_hint": {"access_token"}}); st != 200 {
			t.Fatalf("revoke access token: %d %s", st, body)
		}
		if web.introspect(opaque.AccessToken).Active {
			t.Fatal("revoked access token is active")
		}
		if st, _ := userinfoStatus(t, srv, opaque.AccessToken); st != 401 {
			t.Fatalf("revoked access token still works at userinfo: %d", st)
		}
		fresh, err := web.refresh(tok.RefreshToken)
		must(t, err)
		if st, _ := web.post("/oidc/token/revocation", url.Values{"token": {tok.RefreshToken}}); st != 200 {
			t.Fatal("revoke refresh token")
		}
		_, err = web.refresh(tok.RefreshToken)
		assertOAuthError(t, err, "invalid_grant")
		if web.introspect(fresh.AccessToken).Active {
			t.Fatal("revoking a refresh token must revoke the access tokens of its grant (RFC 7009 §2.1)")
		}

		// A public client may revoke its own tokens with client_id only.
		spaTok := spa.login(b)
		if st, body := spa.post("/oidc/token/revocation", url.Values{"token": {spaTok.AccessToken}}); st != 200 {
			t.Fatalf("public client revocation: %d %s", st, body)
		}
		if st, _ := userinfoStatus(t, srv, spaTok.AccessToken); st != 401 {
			t.Fatal("public client's revoked token still works")
		}

		// A replayed code revokes the refresh and access tokens it issued.
		q := web.authorize(b, offline...)
		issued := web.exchange(q)
		_, err = web.conf.Exchange(ctx, q.Get("code"), oauth2Verifier(q))
		assertOAuthError(t, err, "invalid_grant")
		for name, tk := range map[string]string{"access": issued.AccessToken, "refresh": issued.RefreshToken} {
			if web.introspect(tk).Active {
				t.Fatalf("the %s token of a replayed code is still active", name)
			}
		}
	})
}
