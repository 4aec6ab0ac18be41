package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/consent"
	"github.com/gatehouse/gatehouse/internal/rbac"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

type consentInfo struct {
	Application struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		DisplayName  string `json:"displayName"`
		IsThirdParty bool   `json:"isThirdParty"`
		Branding     struct {
			LogoURL string `json:"logoUrl"`
		} `json:"branding"`
	} `json:"application"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	RedirectURI           string   `json:"redirectUri"`
	MissingOIDCScope      []string `json:"missingOIDCScope"`
	MissingResourceScopes []struct {
		Resource struct {
			Indicator string `json:"indicator"`
		} `json:"resource"`
		Scopes []struct {
			Name string `json:"name"`
		} `json:"scopes"`
	} `json:"missingResourceScopes"`
}

// TestThirdPartyConsent is seed 001: a third-party app always goes through
// the consent page after sign-in; it lists what is asked (with the app's
// name and branding) but only what the user holds; nothing is granted
// before Authorize; the grant is stored per user × app, skipped when
// nothing new is asked, asked again for new scopes (also on the SSO path),
// and revocable, which ends the grant's refresh tokens. First-party apps
// never see it (the other end-to-end tests).
func TestThirdPartyConsent(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		rb := &rbac.Service{Store: srv.Store}
		api, err := rb.CreateResource(ctx, "Photos", "https://photos.example.com", 0)
		must(t, err)
		read, _ := rb.CreateScope(ctx, api.ID, "read:photos", "See your photos")
		write, _ := rb.CreateScope(ctx, api.ID, "write:photos", "Change your photos")
		_ = write
		role, err := rb.CreateRole(ctx, "viewer", "", store.RoleUser, read.ID)
		must(t, err)
		// A first-party app creates the user (and never sees consent).
		first := newRP(t, srv, application.CreateInput{Type: store.AppTraditional})
		b := testenv.NewBrowser(t, srv.URL)
		user := first.idToken(first.login(b)).Subject
		must(t, rb.AssignUserRoles(ctx, user, role.ID))

		third := newRP(t, srv, application.CreateInput{Type: store.AppTraditional, IsThirdParty: true, Name: "Partner",
			Branding: store.Branding{LogoURL: "https://partner.example/logo.png", DisplayName: "Partner App"}},
			"openid", "profile", "email", "offline_access", "read:photos", "write:photos")
		opts := []oauth2.AuthCodeOption{setParam("prompt", "consent"), setParam("resource", api.Indicator)}

		// Sign out the first-party session so the third-party flow signs in.
		b2 := testenv.NewBrowser(t, srv.URL)
		verifier := oauth2.GenerateVerifier()
		b2.Visit(third.conf.AuthCodeURL("st", append(opts, oauth2.S256ChallengeOption(verifier))...))
		resume := b2.SignIn("username", usernameOf(t, srv, user), "correct horse battery staple")
		page := b2.Visit(resume)
		if page.Request.URL.Path != "/consent" || strings.HasPrefix(page.Header.Get("Location"), third.redirect) {
			t.Fatalf("third-party sign-in did not go to the consent page: %d %s", page.StatusCode, page.Request.URL)
		}
		if _, err := srv.Store.GetGrant(ctx, user, third.app.ID, timeNow()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a grant exists before Authorize: %v", err)
		}
		var info consentInfo
		b2.MustAPI("GET", "/api/interaction/consent", nil, &info)
		if info.Application.ID != third.app.ID || info.Application.Name != "Partner" || info.Application.DisplayName != "Partner App" ||
			!info.Application.IsThirdParty || info.Application.Branding.LogoURL == "" || info.User.ID != user || info.RedirectURI != third.redirect {
			t.Fatalf("consent info %+v", info)
		}
		if strings.Join(info.MissingOIDCScope, " ") != "profile email" {
			t.Fatalf("missingOIDCScope %v", info.MissingOIDCScope)
		}
		// write:photos is requested but the user does not hold it.
		if len(info.MissingResourceScopes) != 1 || info.MissingResourceScopes[0].Resource.Indicator != api.Indicator ||
			len(info.MissingResourceScopes[0].Scopes) != 1 || info.MissingResourceScopes[0].Scopes[0].Name != "read:photos" {
			t.Fatalf("missingResourceScopes %+v", info.MissingResourceScopes)
		}
		// Another site cannot authorize for the user.
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/interaction/consent", strings.NewReader("{}"))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Content-Type", "application/json")
		if resp, err := b2.Client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin consent: %v %v", resp, err)
		}

		var out struct {
			RedirectTo string `json:"redirectTo"`
		}
		b2.MustAPI("POST", "/api/interaction/consent", map[string]any{}, &out)
		q := b2.Callback(out.RedirectTo, third.redirect)
		q.Set("code_verifier", verifier)
		tok := third.exchange(q, setParam("resource", api.Indicator))
		idTok := third.idToken(tok)
		var claims map[string]any
		must(t, idTok.Claims(&claims))
		if claims["username"] == nil || tok.RefreshToken == "" {
			t.Fatalf("granted claims missing: %v (refresh token %v)", claims, tok.RefreshToken != "")
		}
		if c := jwtClaims(t, srv, tok.AccessToken); c["scope"] != "read:photos" || c["aud"] != api.Indicator {
			t.Fatalf("third-party resource token %v", c)
		}
		g, err := srv.Store.GetGrant(ctx, user, third.app.ID, timeNow())
		must(t, err)
		if strings.Join(g.ResourceScopes[api.Indicator], " ") != "read:photos" {
			t.Fatalf("stored grant %+v", g)
		}

		// Nothing new asked: no consent page, straight to a code (SSO).
		noPrompt := []oauth2.AuthCodeOption{setParam("resource", api.Indicator)}
		if q := third.authorize(b2, noPrompt...); q.Get("code") == "" {
			t.Fatalf("consent asked again for granted scopes: %v", q)
		}
		if q := third.authorize(b2, setParam("prompt", "none")); q.Get("code") == "" {
			t.Fatalf("prompt=none with a full grant: %v", q)
		}
		// A new scope: consent again, on the SSO path, listing only it.
		third.conf.Scopes = append(third.conf.Scopes, "phone")
		if q := third.authorize(b2, setParam("prompt", "none")); q.Get("error") != "consent_required" {
			t.Fatalf("prompt=none with a missing grant: %v", q)
		}
		verifier = oauth2.GenerateVerifier()
		page = b2.Visit(third.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if page.Request.URL.Path != "/consent" {
			t.Fatalf("new scope on the SSO path: %d %s", page.StatusCode, page.Request.URL)
		}
		info = consentInfo{}
		b2.MustAPI("GET", "/api/interaction/consent", nil, &info)
		if strings.Join(info.MissingOIDCScope, " ") != "phone" || len(info.MissingResourceScopes) != 0 {
			t.Fatalf("second consent lists %+v", info)
		}
		b2.MustAPI("POST", "/api/interaction/consent", map[string]any{}, &out)
		q = b2.Callback(out.RedirectTo, third.redirect)
		if q.Get("code") == "" {
			t.Fatalf("no code after the second consent: %v", q)
		}

		// Revoking the grant ends its refresh tokens and brings consent back.
		svc := &consent.Service{Store: srv.Store}
		grants, err := svc.List(ctx, user)
		must(t, err)
		if len(grants) != 1 || grants[0].ClientID != third.app.ID {
			t.Fatalf("user grants %+v", grants)
		}
		must(t, svc.Revoke(ctx, user, third.app.ID))
		_, err = third.refresh(tok.RefreshToken)
		assertOAuthError(t, err, "invalid_grant")
		third.conf.Scopes = third.conf.Scopes[:len(third.conf.Scopes)-1]
		if q := third.authorize(b2, setParam("prompt", "none")); q.Get("error") != "consent_required" {
			t.Fatalf("after revocation: %v", q)
		}
		// A third-party app asking only openid still needs one Authorize.
		bare := newRP(t, srv, application.CreateInput{Type: store.AppSPA, IsThirdParty: true}, "openid")
		page = b2.Visit(bare.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if page.Request.URL.Path != "/consent" {
			t.Fatalf("openid-only third-party app skipped consent: %d %s", page.StatusCode, page.Request.URL)
		}
		// The first-party app still gets codes without consent.
		if q := first.authorize(b2); q.Get("code") == "" {
			t.Fatalf("first-party app: %v", q)
		}
	})
}
