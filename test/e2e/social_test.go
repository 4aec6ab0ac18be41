package e2e

import (
	"net/http"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestSocialSignIn signs in to one Gatehouse with an account at a second
// Gatehouse, the upstream IdP, through the generic OIDC connector: first a
// registration from the upstream profile, then a sign-in of the linked
// identity, then the link of another upstream account to an existing local
// account by its verified e-mail (linkSocialIdentity).
func TestSocialSignIn(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		upstream := open(t)
		srv := open(t)
		ctx := t.Context()
		callback := srv.URL + "/callback/upstream"

		// Upstream: a Traditional app for the connector, and two users.
		idpApp, idpSecret := upstream.CreateApp(t, application.CreateInput{Name: "Downstream", Type: store.AppTraditional,
			RedirectURIs: []string{callback}})
		for _, u := range []user.RegisterInput{
			{Username: "ann", Email: "ann@upstream.example", Password: "violet harbour ninety"},
			{Username: "bobby", Email: "bob@example.com", Password: "amber meadow forty two"},
		} {
			if _, err := upstream.Users.Register(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := srv.Social.CreateOIDC(ctx, social.CreateInput{ID: "upstream", Name: "Upstream",
			DiscoveryURL: upstream.URL + "/oidc/.well-known/openid-configuration", ClientID: idpApp.ID, ClientSecret: idpSecret}); err != nil {
			t.Fatal(err)
		}
		bob, err := srv.Users.Register(ctx, user.RegisterInput{Username: "bob", Email: "bob@example.com", Password: "local long password"})
		if err != nil {
			t.Fatal(err)
		}

		// Downstream client.
		const redirectURI = "http://127.0.0.1:9/cb"
		app, secret := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{redirectURI}})
		provider := testenv.Must(oidc.NewProvider(ctx, srv.URL+"/oidc"))
		conf := oauth2.Config{ClientID: app.ID, ClientSecret: secret, RedirectURL: redirectURI, Endpoint: provider.Endpoint(),
			Scopes: []string{"openid", "profile", "email", "identities"}}

		// socialSignIn starts a downstream interaction, goes to upstream,
		// signs in there as username and comes back with a verified record.
		socialSignIn := func(username, password string) (*testenv.Browser, string, string) {
			t.Helper()
			b := testenv.NewBrowser(t, srv.URL)
			pkce := oauth2.GenerateVerifier()
			b.Visit(conf.AuthCodeURL("client-state", oauth2.S256ChallengeOption(pkce)))
			b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil)
			var start struct {
				VerificationID   string `json:"verificationId"`
				AuthorizationURI string `json:"authorizationUri"`
			}
			b.MustAPI("POST", "/api/experience/verification/social/upstream/authorization-uri",
				map[string]any{"state": "ui-state", "redirectUri": callback}, &start)

			// The user signs in at the upstream Gatehouse (its own browser
			// jar: both servers are on 127.0.0.1).
			ub := testenv.NewBrowser(t, upstream.URL)
			page := ub.Visit(start.AuthorizationURI)
			if page.StatusCode != http.StatusOK || page.Request.URL.Path != "/sign-in" {
				t.Fatalf("upstream sign-in page: %d at %s", page.StatusCode, page.Request.URL)
			}
			q := ub.Callback(ub.SignIn("username", username, password), callback)
			if q.Get("state") != "ui-state" || q.Get("code") == "" {
				t.Fatalf("upstream callback = %v", q)
			}
			b.MustAPI("POST", "/api/experience/verification/social/upstream/verify", map[string]any{
				"connectorData":  map[string]string{"code": q.Get("code"), "state": q.Get("state"), "redirectUri": callback},
				"verificationId": start.VerificationID}, nil)
			return b, start.VerificationID, pkce
		}
		finish := func(b *testenv.Browser, pkce string) (*oidc.IDToken, *oauth2.Token) {
			t.Helper()
			var out struct {
				RedirectTo string `json:"redirectTo"`
			}
			b.MustAPI("POST", "/api/experience/submit", nil, &out)
			q := b.Callback(out.RedirectTo, redirectURI)
			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			idt := testenv.Must(provider.Verifier(&oidc.Config{ClientID: app.ID}).Verify(ctx, tok.Extra("id_token").(string)))
			return idt, tok
		}
		type apiError struct {
			Code string         `json:"code"`
			Data map[string]any `json:"data"`
		}

		// 1. Unknown identity, no related account: register from it.
		b, vid, pkce := socialSignIn("ann", "violet harbour ninety")
		var e apiError
		if st := b.API("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, &e); st != 404 ||
			e.Code != "user.identity_not_exist" || e.Data["relatedUser"] != nil {
			t.Fatalf("identification = %d %+v", st, e)
		}
		b.MustAPI("PUT", "/api/experience/interaction-event", map[string]any{"interactionEvent": "Register"}, nil)
		if st := b.API("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, &e); st != 422 || e.Code != "user.missing_profile" {
			t.Fatalf("register without username = %d %+v", st, e)
		}
		b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "username", "value": "ann_local"}, nil)
		if st := b.API("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, nil); st != 201 {
			t.Fatalf("register = %d", st)
		}
		idt, tok := finish(b, pkce)
		var claims struct {
			Email string   `json:"email"`
			AMR   []string `json:"amr"`
		}
		testenv.Must(0, idt.Claims(&claims))
		if claims.Email != "ann@upstream.example" {
			t.Fatalf("id token claims = %+v", claims)
		}
		info := testenv.Must(provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)))
		var ui struct {
			Identities map[string]struct {
				UserID string `json:"userId"`
			} `json:"identities"`
		}
		testenv.Must(0, info.Claims(&ui))
		annUpstream := testenv.Must(upstream.Users.FindByIdentifier(ctx, "username", "ann"))
		if ui.Identities["upstream"].UserID != annUpstream.ID {
			t.Fatalf("identities claim = %+v, want upstream sub %s", ui.Identities, annUpstream.ID)
		}
		annID := idt.Subject

		// 2. The linked identity signs in directly.
		b, vid, pkce = socialSignIn("ann", "violet harbour ninety")
		b.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, nil)
		if idt, _ := finish(b, pkce); idt.Subject != annID {
			t.Fatalf("signed in as %s, want %s", idt.Subject, annID)
		}

		// 3. An upstream account whose verified e-mail is a local
		// account's: Logto's relatedUser, then linkSocialIdentity.
		b, vid, pkce = socialSignIn("bobby", "amber meadow forty two")
		if st := b.API("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, &e); st != 404 ||
			e.Code != "user.identity_not_exist" {
			t.Fatalf("identification = %d %+v", st, e)
		}
		related, _ := e.Data["relatedUser"].(map[string]any)
		if related["type"] != "email" || related["value"] != "bob@example.com" {
			t.Fatalf("relatedUser = %v", e.Data)
		}
		b.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": vid, "linkSocialIdentity": true}, nil)
		if idt, _ := finish(b, pkce); idt.Subject != bob.ID {
			t.Fatalf("linked sign-in as %s, want bob %s", idt.Subject, bob.ID)
		}
		b, vid, pkce = socialSignIn("bobby", "amber meadow forty two")
		b.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": vid}, nil)
		if idt, _ := finish(b, pkce); idt.Subject != bob.ID {
			t.Fatalf("second sign-in as %s, want bob", idt.Subject)
		}
	})
}
