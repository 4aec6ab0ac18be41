package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/connector/email/emailtest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestSignInExperienceByEmail is issue 4 end to end, on every backend,
// with e-mail delivered over real SMTP to a server in the test:
//
//  1. `bootstrap` credentials get a Management API token by
//     client_credentials (go's x/oauth2), which PATCHes the sign-in
//     experience to e-mail sign-up with a verified address and a password;
//  2. a new user registers with an e-mail code read from the message and
//     a password, and the client gets tokens (go-oidc verifies the ID
//     token, whose email claim is the address);
//  3. the user signs in with the password;
//  4. the user resets the password with another e-mail code: the old
//     password fails, the new one signs in.
func TestSignInExperienceByEmail(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			mail := emailtest.Start(t, emailtest.Options{})
			env := map[string]string{"GATEHOUSE_SMTP_URL": mail.URL}
			var srv *testenv.Server
			if backend == "postgres" {
				pg := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
				if pg == "" {
					t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the end-to-end suite on PostgreSQL")
				}
				srv = testenv.Start(t, pgtest.OpenTestSchema(t, pg), env)
			} else {
				srv = testenv.Start(t, nil, env)
			}
			signInExperienceByEmail(t, srv, mail)
		})
	}
}

func signInExperienceByEmail(t *testing.T, srv *testenv.Server, mail *emailtest.Server) {
	ctx := t.Context()

	// 1. Automation: bootstrap credentials → token → settings.
	creds, err := srv.Bootstrap(ctx, "e2e automation")
	if err != nil {
		t.Fatal(err)
	}
	if creds.Resource != "https://default.logto.app/api" || creds.TokenEndpoint != srv.URL+"/oidc/token" || creds.Secret == "" {
		t.Fatalf("credentials %+v", creds)
	}
	cc := clientcredentials.Config{ClientID: creds.ID, ClientSecret: creds.Secret, TokenURL: creds.TokenEndpoint,
		Scopes: []string{"all"}, EndpointParams: map[string][]string{"resource": {creds.Resource}}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials: %v", err)
	}
	noScope := cc
	noScope.Scopes = nil
	weak, err := noScope.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials without scope: %v", err)
	}

	patch := `{
		"signUp": {"identifiers": ["email"], "password": true, "verify": true},
		"signIn": {"methods": [{"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": true}]},
		"color": {"primaryColor": "#0B6E4F", "isDarkModeEnabled": false, "darkPrimaryColor": "#3DDC97"}
	}`
	if st, body := management(t, srv, "PATCH", "/api/sign-in-exp", "", patch); st != http.StatusUnauthorized {
		t.Fatalf("PATCH without a token: %d %s", st, body)
	}
	if st, body := management(t, srv, "PATCH", "/api/sign-in-exp", weak.AccessToken, patch); st != http.StatusForbidden {
		t.Fatalf("PATCH with a token lacking all: %d %s", st, body)
	}
	if st, body := management(t, srv, "PATCH", "/api/sign-in-exp", tok.AccessToken, `{"signUp":{"identifiers":["username"],"password":false,"verify":false}}`); st != http.StatusBadRequest || !strings.Contains(body, "sign_in_experiences.username_requires_password") {
		t.Fatalf("invalid PATCH: %d %s", st, body)
	}
	st, body := management(t, srv, "PATCH", "/api/sign-in-exp", tok.AccessToken, patch)
	if st != http.StatusOK || !strings.Contains(body, `"primaryColor":"#0B6E4F"`) {
		t.Fatalf("PATCH: %d %s", st, body)
	}
	var public struct {
		SignUp struct {
			Identifiers []string `json:"identifiers"`
		} `json:"signUp"`
		ForgotPassword struct {
			Email bool `json:"email"`
		} `json:"forgotPassword"`
	}
	resp, err := http.Get(srv.URL + "/api/.well-known/sign-in-exp")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&public)
	resp.Body.Close()
	if len(public.SignUp.Identifiers) != 1 || public.SignUp.Identifiers[0] != "email" || !public.ForgotPassword.Email {
		t.Fatalf("public settings %+v", public)
	}

	// The client app of the sign-ins below.
	const redirectURI = "http://127.0.0.1:9/callback"
	app, secret := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{redirectURI}})
	provider, err := oidc.NewProvider(ctx, srv.URL+"/oidc")
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: app.ID, ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email"}}
	verifier := provider.Verifier(&oidc.Config{ClientID: app.ID})
	// signedIn finishes an authorization at redirectTo and returns the ID
	// token's email claim.
	signedIn := func(b *testenv.Browser, redirectTo, pkce string) string {
		t.Helper()
		q := b.Callback(redirectTo, redirectURI)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idToken, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("id token: %v", err)
		}
		var claims struct {
			Email string `json:"email"`
		}
		_ = idToken.Claims(&claims)
		return claims.Email
	}
	// start opens a sign-in page for a new browser.
	start := func() (*testenv.Browser, string) {
		t.Helper()
		b := testenv.NewBrowser(t, srv.URL)
		pkce := oauth2.GenerateVerifier()
		if page := b.Visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce))); page.StatusCode != http.StatusOK {
			t.Fatalf("authorize: %d", page.StatusCode)
		}
		return b, pkce
	}
	const addr, password, newPassword = "Ada.Lovelace@example.com", "Analytical-Engine-1843", "Difference-Engine-1822"
	const normalised = "ada.lovelace@example.com"
	var vid struct {
		VerificationID string `json:"verificationId"`
	}
	var redirect struct {
		RedirectTo *string `json:"redirectTo"`
	}
	identifier := map[string]string{"type": "email", "value": addr}

	// 2. Register with an e-mail code and a password.
	b, pkce := start()
	b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "Register"}, nil)
	b.MustAPI("POST", "/api/experience/verification/verification-code", map[string]any{"identifier": identifier, "interactionEvent": "Register"}, &vid)
	msg := mail.Next(t, normalised, 0)
	if msg.Subject != "Confirm your e-mail for Gatehouse" || !strings.Contains(msg.HTML, emailtest.Code(t, msg)) {
		t.Fatalf("message: %q %q", msg.Subject, msg.Text)
	}
	var errBody struct {
		Code string         `json:"code"`
		Data map[string]any `json:"data"`
	}
	wrong := "000000"
	if emailtest.Code(t, msg) == wrong {
		wrong = "111111"
	}
	if st := b.API("POST", "/api/experience/verification/verification-code/verify",
		map[string]any{"identifier": identifier, "verificationId": vid.VerificationID, "code": wrong}, &errBody); st != 400 || errBody.Code != "verification_code.code_mismatch" {
		t.Fatalf("wrong code: %d %+v", st, errBody)
	}
	b.MustAPI("POST", "/api/experience/verification/verification-code/verify",
		map[string]any{"identifier": identifier, "verificationId": vid.VerificationID, "code": emailtest.Code(t, msg)}, nil)
	if st := b.API("POST", "/api/experience/identification", map[string]any{"verificationId": vid.VerificationID}, &errBody); st != 422 || errBody.Code != "user.missing_profile" {
		t.Fatalf("identification without a password: %d %+v", st, errBody)
	}
	b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "password", "value": password}, nil)
	if st := b.API("POST", "/api/experience/identification", map[string]any{}, nil); st != http.StatusCreated {
		t.Fatalf("identification: %d", st)
	}
	b.MustAPI("POST", "/api/experience/submit", nil, &redirect)
	if got := signedIn(b, *redirect.RedirectTo, pkce); got != normalised {
		t.Fatalf("registered e-mail claim %q", got)
	}

	// 3. Sign in with the password.
	b, pkce = start()
	if got := signedIn(b, b.SignIn("email", addr, password), pkce); got != normalised {
		t.Fatalf("password sign-in e-mail claim %q", got)
	}

	// 4. Reset the password with a code.
	b, pkce = start()
	b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "ForgotPassword"}, nil)
	b.MustAPI("POST", "/api/experience/verification/verification-code", map[string]any{"identifier": identifier, "interactionEvent": "ForgotPassword"}, &vid)
	msg = mail.Next(t, normalised, 1)
	if msg.Subject != "Reset your Gatehouse password" {
		t.Fatalf("reset message subject %q", msg.Subject)
	}
	b.MustAPI("POST", "/api/experience/verification/verification-code/verify",
		map[string]any{"identifier": identifier, "verificationId": vid.VerificationID, "code": emailtest.Code(t, msg)}, nil)
	b.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": vid.VerificationID}, nil)
	b.MustAPI("PUT", "/api/experience/profile/password", map[string]any{"password": newPassword}, nil)
	redirect.RedirectTo = nil
	b.MustAPI("POST", "/api/experience/submit", nil, &redirect)
	if redirect.RedirectTo != nil {
		t.Fatal("a password reset signed the user in")
	}
	// The same browser now signs in; the old password is refused.
	b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil)
	if st := b.API("POST", "/api/experience/verification/password",
		map[string]any{"identifier": identifier, "password": password}, &errBody); st != 422 || errBody.Code != "session.invalid_credentials" {
		t.Fatalf("old password: %d %+v", st, errBody)
	}
	if got := signedIn(b, b.SignIn("email", addr, newPassword), pkce); got != normalised {
		t.Fatalf("new password sign-in e-mail claim %q", got)
	}
	if n := mail.Count(normalised); n != 2 {
		t.Fatalf("%d messages to the user, want 2", n)
	}
}

// management calls the Management API with a bearer token ("" for none)
// and returns the status and body.
func management(t *testing.T, srv *testenv.Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
