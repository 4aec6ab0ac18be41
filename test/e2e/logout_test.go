package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// logoutReceiver is an RP's back-channel logout endpoint: it verifies each
// logout token through the OP's JWKS and checks it as OIDC Back-Channel
// Logout 1.0 §2.6 says an RP must.
type logoutReceiver struct {
	*httptest.Server
	tokens chan map[string]any
	errs   chan string
}

func newLogoutReceiver(t *testing.T, issuer, clientID string) *logoutReceiver {
	lr := &logoutReceiver{tokens: make(chan map[string]any, 4), errs: make(chan string, 4)}
	keys := oidc.NewRemoteKeySet(context.Background(), issuer+"/jwks")
	lr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(msg string) {
			lr.errs <- msg
			http.Error(w, msg, http.StatusBadRequest)
		}
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			fail("not a form POST")
			return
		}
		raw := r.PostFormValue("logout_token")
		jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
		if err != nil || jws.Signatures[0].Protected.ExtraHeaders["typ"] != "logout+jwt" {
			fail("not a logout+jwt")
			return
		}
		payload, err := keys.VerifySignature(r.Context(), raw)
		if err != nil {
			fail("signature: " + err.Error())
			return
		}
		var c map[string]any
		_ = json.Unmarshal(payload, &c)
		events, _ := c["events"].(map[string]any)
		_, hasEvent := events["http://schemas.openid.net/event/backchannel-logout"]
		switch {
		case c["iss"] != issuer, c["aud"] != clientID, !hasEvent, c["jti"] == nil, c["iat"] == nil, c["exp"] == nil:
			fail("claims")
			return
		case c["nonce"] != nil:
			fail("a logout token must not have a nonce")
			return
		case c["sub"] == nil && c["sid"] == nil:
			fail("neither sub nor sid")
			return
		}
		lr.tokens <- c
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(lr.Close)
	return lr
}

func (lr *logoutReceiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case c := <-lr.tokens:
		return c
	case e := <-lr.errs:
		t.Fatalf("logout receiver refused the token: %s", e)
	case <-time.After(10 * time.Second):
		t.Fatal("no logout token arrived")
	}
	return nil
}

// endSession runs RP-initiated logout in b: the end_session request, the
// confirmation form it shows, and returns where the browser is sent.
func endSession(t *testing.T, srv *testenv.Server, b *testenv.Browser, q url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := b.Client.Get(srv.URL + "/oidc/session/end?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp, string(page)
	}
	form := hiddenFields(string(page))
	if form.Get("xsrf") == "" {
		return resp, string(page) // no confirmation: nobody signed in
	}
	resp, err = b.Client.PostForm(srv.URL+"/oidc/session/end/confirm", form)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Location") == "" {
		// The browser followed the redirect inside the server (the
		// signed-out page): report where it landed.
		resp.Header.Set("Location", resp.Request.URL.String())
	}
	return resp, string(page)
}

// TestLogout: RP-initiated logout with id_token_hint, state, confirmation
// and the allow list of postLogoutRedirectUris; back-channel logout tokens
// to every app of the ended session, with sid when the app requires it,
// verified by real receivers through JWKS.
func TestLogout(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		issuer := srv.URL + "/oidc"
		const bye = "http://127.0.0.1:9/bye"
		a := newRP(t, srv, application.CreateInput{Type: store.AppTraditional, PostLogoutRedirectURIs: []string{bye}})
		bApp := newRP(t, srv, application.CreateInput{Type: store.AppSPA})
		recvA := newLogoutReceiver(t, issuer, a.app.ID)
		recvB := newLogoutReceiver(t, issuer, bApp.app.ID)
		for _, x := range []struct {
			r   *rp
			uri string
			sid bool
		}{{a, recvA.URL, true}, {bApp, recvB.URL, false}} {
			_, err := srv.Store.UpdateApplication(t.Context(), x.r.app.ID, func(app *store.Application) error {
				app.OIDCClientMetadata.BackchannelLogoutURI = x.uri
				app.OIDCClientMetadata.BackchannelLogoutSessionRequired = x.sid
				return nil
			})
			must(t, err)
		}

		b := testenv.NewBrowser(t, srv.URL)
		tokA := a.login(b)
		idA := a.idToken(tokA)
		var claims struct {
			SID string `json:"sid"`
		}
		must(t, idA.Claims(&claims))
		bApp.login(b) // SSO: the same session now serves both apps

		// An unregistered post_logout_redirect_uri is never redirected to.
		other := testenv.NewBrowser(t, srv.URL)
		a.login(other)
		resp, _ := endSession(t, srv, other, url.Values{"id_token_hint": {tokA.Extra("id_token").(string)},
			"post_logout_redirect_uri": {"https://evil.example/bye"}, "state": {"s"}})
		if loc := resp.Header.Get("Location"); loc != issuer+"/session/end/success" {
			t.Fatalf("unregistered post_logout_redirect_uri: Location %q", loc)
		}
		recvA.next(t) // that browser's session served app A

		// Without the confirmation nothing ends.
		resp, err := b.Client.Get(srv.URL + "/oidc/session/end?client_id=" + a.app.ID)
		must(t, err)
		resp.Body.Close()
		if q := a.authorize(b, oidcPrompt("none")); q.Get("code") == "" {
			t.Fatalf("the session ended without confirmation: %v", q)
		}

		resp, _ = endSession(t, srv, b, url.Values{"id_token_hint": {tokA.Extra("id_token").(string)},
			"post_logout_redirect_uri": {bye}, "state": {"st-9"}})
		if loc := resp.Header.Get("Location"); loc != bye+"?state=st-9" {
			t.Fatalf("logout redirect %q", loc)
		}
		ca, cb := recvA.next(t), recvB.next(t)
		if ca["sid"] != claims.SID || ca["sub"] != idA.Subject {
			t.Fatalf("app A (session required) logout token %v, want sid %s", ca, claims.SID)
		}
		if cb["sid"] != nil || cb["sub"] != idA.Subject {
			t.Fatalf("app B logout token %v", cb)
		}
		if q := a.authorize(b, oidcPrompt("none")); q.Get("error") != "login_required" {
			t.Fatalf("still signed in after logout: %v", q)
		}
	})
}

func oidcPrompt(p string) oauth2AuthOpt { return setParam("prompt", p) }

// TestBackchannelRetry: an RP that fails the first delivery (503) gets the
// logout token on a retry; the logout itself never waited for it.
func TestBackchannelRetry(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional})
		recv := newLogoutReceiver(t, srv.URL+"/oidc", r.app.ID)
		calls := make(chan time.Time, 4)
		flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			calls <- time.Now()
			if len(calls) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			recv.Config.Handler.ServeHTTP(w, req)
		}))
		t.Cleanup(flaky.Close)
		_, err := srv.Store.UpdateApplication(t.Context(), r.app.ID, func(app *store.Application) error {
			app.OIDCClientMetadata.BackchannelLogoutURI = flaky.URL
			return nil
		})
		must(t, err)
		b := testenv.NewBrowser(t, srv.URL)
		tok := r.login(b)
		start := time.Now()
		endSession(t, srv, b, url.Values{"id_token_hint": {tok.Extra("id_token").(string)}})
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("logout waited %v for the RP", d)
		}
		if c := recv.next(t); c["sub"] != r.idToken(tok).Subject {
			t.Fatalf("logout token %v", c)
		}
		if len(calls) < 2 {
			t.Fatalf("delivered in %d calls, want a retry after the 503", len(calls))
		}
	})
}
