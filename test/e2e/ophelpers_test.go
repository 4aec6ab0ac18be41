package e2e

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// Helpers shared by the issue-3 end-to-end tests (the complete OP).

var userSeq atomic.Int64

// rp is one relying party set up against a running server: its app, an
// x/oauth2 config from discovery and a go-oidc ID-token verifier.
type rp struct {
	t        *testing.T
	srv      *testenv.Server
	app      *store.Application
	secret   string
	conf     oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	redirect string
}

func newRP(t *testing.T, srv *testenv.Server, in application.CreateInput, scopes ...string) *rp {
	t.Helper()
	if len(in.RedirectURIs) == 0 && in.Type != store.AppMachineToMachine {
		in.RedirectURIs = []string{"http://127.0.0.1:9/cb/" + strings.ToLower(in.Type)}
	}
	if in.Name == "" {
		in.Name = in.Type
	}
	app, secret := srv.CreateApp(t, in)
	provider, err := oidc.NewProvider(t.Context(), srv.URL+"/oidc")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile"}
	}
	r := &rp{t: t, srv: srv, app: app, secret: secret, provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: app.ID})}
	if len(in.RedirectURIs) > 0 {
		r.redirect = in.RedirectURIs[0]
	}
	r.conf = oauth2.Config{ClientID: app.ID, ClientSecret: secret, RedirectURL: r.redirect,
		Endpoint: provider.Endpoint(), Scopes: scopes}
	if secret == "" {
		r.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return r
}

// login runs a full sign-in in b (registering a fresh user when the
// browser has no session) and exchanges the code.
func (r *rp) login(b *testenv.Browser, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	r.t.Helper()
	q := r.authorize(b, opts...)
	if q.Get("code") == "" {
		r.t.Fatalf("no code: %v", q)
	}
	return r.exchange(q)
}

// authorize runs the authorization request in b up to the client's
// redirect URI and returns its query (a code or an error). A browser
// without a session registers a new user.
func (r *rp) authorize(b *testenv.Browser, opts ...oauth2.AuthCodeOption) url.Values {
	r.t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts = append(opts, oauth2.S256ChallengeOption(verifier))
	u := r.conf.AuthCodeURL("state-x", opts...)
	resp := b.Visit(u)
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, r.redirect) {
		q := mustParse(r.t, loc).Query()
		q.Set("code_verifier", verifier)
		return q
	}
	if resp.Request.URL.Path != "/sign-in" {
		r.t.Fatalf("expected the sign-in page or a redirect, got %d at %s", resp.StatusCode, resp.Request.URL)
	}
	name := "user" + strings.ReplaceAll(r.t.Name(), "/", "-")
	name = strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]`).ReplaceAllString(name, ""))
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	q := b.Callback(b.Register(name+"n"+itoa(userSeq.Add(1)), "correct horse battery staple"), r.redirect)
	q.Set("code_verifier", verifier)
	return q
}

// exchange redeems the code in q; opts add token request parameters
// (resource …).
func (r *rp) exchange(q url.Values, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	r.t.Helper()
	opts = append(opts, oauth2.VerifierOption(q.Get("code_verifier")))
	tok, err := r.conf.Exchange(r.t.Context(), q.Get("code"), opts...)
	if err != nil {
		r.t.Fatalf("exchange: %v", err)
	}
	return tok
}

// idToken verifies the token response's ID token.
func (r *rp) idToken(tok *oauth2.Token) *oidc.IDToken {
	r.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	id, err := r.verifier.Verify(r.t.Context(), raw)
	if err != nil {
		r.t.Fatalf("id token: %v", err)
	}
	return id
}

// refresh uses rt once; kv adds parameters (resource, scope …).
func (r *rp) refresh(rt string, kv ...string) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return r.token(form)
}

// token posts a form to the token endpoint with the RP's credentials and
// decodes a success like x/oauth2 does.
func (r *rp) token(form url.Values) (*oauth2.Token, error) {
	st, body := r.post("/oidc/token", form)
	if st != 200 {
		return nil, &oauth2.RetrieveError{Response: &http.Response{StatusCode: st}, Body: body,
			ErrorCode: errorCode(body)}
	}
	var m struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		IDToken      string `json:"id_token"`
		Scope        string `json:"scope"`
	}
	_ = json.Unmarshal(body, &m)
	tok := &oauth2.Token{AccessToken: m.AccessToken, RefreshToken: m.RefreshToken, TokenType: "Bearer"}
	return tok.WithExtra(map[string]any{"id_token": m.IDToken, "scope": m.Scope}), nil
}

// post sends a form to path with the RP's credentials (Basic for
// confidential clients, client_id for public ones).
func (r *rp) post(path string, form url.Values) (int, []byte) {
	r.t.Helper()
	if r.secret == "" {
		form.Set("client_id", r.app.ID)
		return postForm(r.t, r.srv.URL+path, form)
	}
	return postForm(r.t, r.srv.URL+path, form, r.app.ID, r.secret)
}

func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func postForm(t *testing.T, u string, form url.Values, basic ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	return do(t, req)
}

func errorCode(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error
}

func wantError(t *testing.T, status int, body []byte, wantStatus int, want string) {
	t.Helper()
	if status != wantStatus || errorCode(body) != want {
		t.Fatalf("got %d %s, want %d %s", status, body, wantStatus, want)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// hiddenFields reads the hidden inputs of an HTML form.
func hiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// userinfoStatus calls /oidc/me with at.
func userinfoStatus(t *testing.T, srv *testenv.Server, at string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/me", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	st, b := do(t, req)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return st, m
}

// jwtClaims returns the payload of a JWT verified by the OP's JWKS.
func jwtClaims(t *testing.T, srv *testenv.Server, raw string) map[string]any {
	t.Helper()
	ks := oidc.NewRemoteKeySet(context.Background(), srv.URL+"/oidc/jwks")
	payload, err := ks.VerifySignature(t.Context(), raw)
	if err != nil {
		t.Fatalf("verify JWT through JWKS: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

type oauth2AuthOpt = oauth2.AuthCodeOption

func setParam(k, v string) oauth2.AuthCodeOption { return oauth2.SetAuthURLParam(k, v) }

func oauth2Verifier(q url.Values) oauth2.AuthCodeOption {
	return oauth2.VerifierOption(q.Get("code_verifier"))
}

func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	s, _ := m[name].(string)
	return s
}

func timeNow() time.Time { return time.Now() }

// usernameOf returns the username of a user.
func usernameOf(t *testing.T, srv *testenv.Server, userID string) string {
	t.Helper()
	u, err := srv.Store.GetUser(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}
