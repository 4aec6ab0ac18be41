package oidc

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestCodeFlowWithGoOIDC runs seed 000 end to end on the OP side with
// clients we did not write: x/oauth2 for the code exchange with PKCE and
// coreos/go-oidc for discovery, ID token verification and userinfo.
func TestCodeFlowWithGoOIDC(t *testing.T) {
	op := newOP(t, nil)
	ctx := oidc.ClientContext(t.Context(), http.DefaultClient)
	provider, err := oidc.NewProvider(ctx, op.issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "spa", Endpoint: provider.Endpoint(), RedirectURL: spaRedirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}}
	v := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-xyz", oauth2.S256ChallengeOption(v), oidc.Nonce("nonce-abc"),
		oauth2.SetAuthURLParam("prompt", "consent"))
	c := op.browser()
	loc := op.signIn(c, authURL)
	if loc.Query().Get("state") != "state-xyz" || loc.Query().Get("iss") != op.issuer {
		t.Fatalf("redirect %s", loc)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("offline_access with prompt=consent must give a refresh token")
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: "spa"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "nonce-abc" || idt.Subject != "user1" {
		t.Fatalf("id token %+v", idt)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Fatalf("at_hash: %v", err)
	}
	var claims struct {
		Email    string `json:"email"`
		Username string `json:"username"`
		AuthTime int64  `json:"auth_time"`
		SID      string `json:"sid"`
	}
	must(t, idt.Claims(&claims))
	if claims.Email != "ada@example.com" || claims.Username != "ada" || claims.AuthTime == 0 || claims.SID == "" {
		t.Fatalf("claims %+v", claims)
	}
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	if ui.Subject != "user1" || ui.Email != "ada@example.com" || !ui.EmailVerified {
		t.Fatalf("userinfo %+v", ui)
	}

	// Refresh through x/oauth2: SPAs always rotate.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Hour)
	next, err := conf.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, http.DefaultClient), &expired).Token()
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Fatal("SPA refresh token did not rotate")
	}

	// Without prompt=consent, offline_access is dropped (oidc-provider rule).
	loc = op.signIn(op.browser(), conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)))
	tok2, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	if tok2.RefreshToken != "" || strings.Contains(tok2.Extra("scope").(string), "offline_access") {
		t.Fatal("offline_access kept without prompt=consent")
	}
}

// TestNativeLoopbackAndRS256 covers a native app on an ephemeral loopback
// port that registered RS256 ID tokens.
func TestNativeLoopbackAndRS256(t *testing.T) {
	op := newOP(t, nil)
	_, err := op.st.UpdateApplication(t.Context(), "native", func(a *storeApp) error {
		a.OIDCClientMetadata.IDTokenSignedResponseAlg = "RS256"
		return nil
	})
	must(t, err)
	ctx := oidc.ClientContext(t.Context(), http.DefaultClient)
	provider, err := oidc.NewProvider(ctx, op.issuer)
	must(t, err)
	redirect := "http://127.0.0.1:49152/cb"
	conf := oauth2.Config{ClientID: "native", Endpoint: provider.Endpoint(), RedirectURL: redirect, Scopes: []string{"openid"}}
	v := oauth2.GenerateVerifier()
	loc := op.signIn(op.browser(), conf.AuthCodeURL("s", oauth2.S256ChallengeOption(v)))
	if !strings.HasPrefix(loc.String(), redirect+"?") {
		t.Fatalf("redirect %s", loc)
	}
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v))
	must(t, err)
	raw, _ := tok.Extra("id_token").(string)
	verifier := provider.Verifier(&oidc.Config{ClientID: "native", SupportedSigningAlgs: []string{"RS256"}})
	if _, err := verifier.Verify(ctx, raw); err != nil {
		t.Fatalf("RS256 id token: %v", err)
	}
}
