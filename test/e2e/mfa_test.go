package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestTOTPBindAndSignIn registers a user who sets up an authenticator app
// (the code computed with pquerna/otp, as an app would), then signs in in
// a new browser: the password alone is refused until a TOTP code is
// given, and the ID token's amr records both factors.
func TestTOTPBindAndSignIn(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		const redirectURI = "http://127.0.0.1:9/cb"
		app, secret := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{redirectURI}})
		provider := testenv.Must(oidc.NewProvider(ctx, srv.URL+"/oidc"))
		conf := oauth2.Config{ClientID: app.ID, ClientSecret: secret, RedirectURL: redirectURI, Endpoint: provider.Endpoint(), Scopes: []string{"openid"}}
		verifier := provider.Verifier(&oidc.Config{ClientID: app.ID})
		signInAMR := func(b *testenv.Browser, redirectTo, pkce string) []string {
			t.Helper()
			q := b.Callback(redirectTo, redirectURI)
			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			idt := testenv.Must(verifier.Verify(ctx, tok.Extra("id_token").(string)))
			// The OP does not put amr in ID tokens yet; the session it
			// created from the interaction result carries it.
			sessions := testenv.Must(srv.Store.ListUserSessions(ctx, idt.Subject, time.Now()))
			newest := slices.MaxFunc(sessions, func(a, b store.Session) int { return a.CreatedAt.Compare(b.CreatedAt) })
			return newest.AMR
		}

		// Register and bind TOTP before submitting.
		b := testenv.NewBrowser(t, srv.URL)
		pkce := oauth2.GenerateVerifier()
		b.Visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)))
		b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "Register"}, nil)
		b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "username", "value": "alice"}, nil)
		b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "password", "value": "correct horse battery"}, nil)
		b.MustAPI("POST", "/api/experience/identification", map[string]any{}, nil)
		var sec struct {
			VerificationID string `json:"verificationId"`
			Secret         string `json:"secret"`
			SecretQRCode   string `json:"secretQrCode"`
		}
		b.MustAPI("POST", "/api/experience/verification/totp/secret", nil, &sec)
		if sec.Secret == "" || !strings.HasPrefix(sec.SecretQRCode, "data:image/png;base64,") {
			t.Fatalf("totp/secret = %+v", sec)
		}
		code := testenv.Must(totp.GenerateCode(sec.Secret, time.Now()))
		b.MustAPI("POST", "/api/experience/verification/totp/verify", map[string]any{"code": code, "verificationId": sec.VerificationID}, nil)
		b.MustAPI("POST", "/api/experience/profile/mfa", map[string]any{"type": "Totp", "verificationId": sec.VerificationID}, nil)
		var out struct {
			RedirectTo string `json:"redirectTo"`
		}
		b.MustAPI("POST", "/api/experience/submit", nil, &out)
		if amr := signInAMR(b, out.RedirectTo, pkce); !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("amr after binding = %v", amr)
		}

		// A new browser: password first, then the second factor.
		b2 := testenv.NewBrowser(t, srv.URL)
		pkce2 := oauth2.GenerateVerifier()
		b2.Visit(conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(pkce2)))
		b2.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil)
		var v struct {
			VerificationID string `json:"verificationId"`
		}
		b2.MustAPI("POST", "/api/experience/verification/password", map[string]any{
			"identifier": map[string]string{"type": "username", "value": "alice"}, "password": "correct horse battery"}, &v)
		b2.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": v.VerificationID}, nil)
		var fail struct {
			Code string `json:"code"`
			Data struct {
				AvailableFactors []string `json:"availableFactors"`
			} `json:"data"`
		}
		if st := b2.API("POST", "/api/experience/submit", nil, &fail); st != 403 || fail.Code != "session.mfa.require_mfa_verification" ||
			!slices.Equal(fail.Data.AvailableFactors, []string{"Totp"}) {
			t.Fatalf("submit without TOTP = %d %+v", st, fail)
		}
		// The code that bound the key is spent; the next step's code works
		// (one step of skew is accepted).
		if st := b2.API("POST", "/api/experience/verification/totp/verify", map[string]any{"code": code}, &fail); st != 400 || fail.Code != "session.mfa.invalid_totp_code" {
			t.Fatalf("replayed code = %d %+v", st, fail)
		}
		next := testenv.Must(totp.GenerateCode(sec.Secret, time.Now().Add(30*time.Second)))
		b2.MustAPI("POST", "/api/experience/verification/totp/verify", map[string]any{"code": next}, nil)
		b2.MustAPI("POST", "/api/experience/submit", nil, &out)
		if amr := signInAMR(b2, out.RedirectTo, pkce2); !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("amr after TOTP sign-in = %v", amr)
		}
	})
}
