package oidc

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/signing"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// testOP is a running OP on a real SQLite store with seeded clients.
type testOP struct {
	t       testing.TB
	srv     *httptest.Server
	issuer  string
	st      store.Store
	keys    *signing.Manager
	apps    *application.Service
	h       *Handler
	now     time.Time
	secrets map[string]string // client ID → secret
	user    *store.User
}

const (
	spaRedirect = "https://app.example/cb"
	verifier    = "test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
)

func newOP(t testing.TB, wrap func(store.Store) store.Store) *testOP {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "op.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keys, err := signing.NewManager(st, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	op := &testOP{t: t, st: st, keys: keys, now: time.Now().UTC().Truncate(time.Second), secrets: map[string]string{}}
	clock := func() time.Time { return op.now }
	op.apps = &application.Service{Store: st, Now: clock}
	mux := http.NewServeMux()
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	op.issuer = op.srv.URL + "/oidc"
	served := st
	if wrap != nil {
		served = wrap(st)
	}
	op.h = New(Config{Issuer: op.issuer, Endpoint: op.srv.URL, Store: served, Keys: keys,
		Apps: &application.Service{Store: served, Now: clock}, Cookies: cookie.NewCodec(key, false), Now: clock})
	op.h.Mount(mux)

	mk := func(id string, in application.CreateInput) {
		_, secret, err := op.apps.CreateWithID(ctx, id, in)
		if err != nil {
			t.Fatal(err)
		}
		op.secrets[id] = secret
	}
	mk("spa", application.CreateInput{Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{spaRedirect},
		PostLogoutRedirectURIs: []string{"https://app.example/bye"}})
	mk("web", application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{"https://web.example/cb?x=1"}})
	mk("native", application.CreateInput{Name: "Native", Type: store.AppNative, RedirectURIs: []string{"http://127.0.0.1/cb", "com.example.app:/cb"}})
	mk("m2m", application.CreateInput{Name: "Robot", Type: store.AppMachineToMachine})
	mk("third", application.CreateInput{Name: "Third", Type: store.AppSPA, IsThirdParty: true, RedirectURIs: []string{spaRedirect}})

	op.user = &store.User{ID: "user1", Username: "ada", PrimaryEmail: "ada@example.com", Name: "Ada", CreatedAt: op.now, UpdatedAt: op.now}
	must(t, st.CreateUser(ctx, op.user))
	must(t, st.CreateResource(ctx, &store.Resource{ID: "res1", Name: "API", Indicator: "https://api.example.com", AccessTokenTTL: 900, CreatedAt: op.now}))
	for _, s := range []string{"read", "write"} {
		must(t, st.CreateScope(ctx, &store.Scope{ID: "sc-" + s, ResourceID: "res1", Name: s, CreatedAt: op.now}))
	}
	must(t, st.CreateRole(ctx, &store.Role{ID: "r1", Name: "reader", Type: store.RoleUser, CreatedAt: op.now}))
	must(t, st.AddRoleScopes(ctx, "r1", []string{"sc-read"}))
	must(t, st.AssignUserRoles(ctx, "user1", []string{"r1"}))
	must(t, st.CreateRole(ctx, &store.Role{ID: "r2", Name: "robot", Type: store.RoleMachineToMachine, CreatedAt: op.now}))
	must(t, st.AddRoleScopes(ctx, "r2", []string{"sc-read", "sc-write"}))
	must(t, st.AssignApplicationRoles(ctx, "m2m", []string{"r2"}))
	return op
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each hop can be checked.
func (op *testOP) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (op *testOP) authURL(kv ...string) string {
	v := url.Values{"client_id": {"spa"}, "redirect_uri": {spaRedirect}, "response_type": {"code"},
		"scope": {"openid profile email offline_access"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {oauth.S256Challenge(verifier)}, "code_challenge_method": {"S256"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return op.issuer + "/auth?" + v.Encode()
}

func get(t testing.TB, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// location parses the Location header of a redirect.
func location(t testing.TB, resp *http.Response) *url.URL {
	t.Helper()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 302 or 303; body %s", resp.StatusCode, body(t, resp))
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn plays the Experience API: it sets the interaction's result the way
// submit does, then follows the resume URL. It returns the client redirect.
func (op *testOP) signIn(c *http.Client, authURL string) *url.URL {
	t := op.t
	t.Helper()
	loc := location(t, get(t, c, authURL))
	if !strings.HasPrefix(loc.String(), op.srv.URL+"/sign-in") && !strings.HasPrefix(loc.String(), op.srv.URL+"/register") {
		if loc.Query().Has("code") || loc.Query().Has("error") {
			return loc // SSO or error: no interaction
		}
		t.Fatalf("not sent to the sign-in page: %s", loc)
	}
	uid := op.interactionID(c)
	_, err := op.st.UpdateInteraction(t.Context(), uid, op.now, func(i *store.Interaction) error {
		i.Result = &store.InteractionResult{UserID: op.user.ID, AuthTime: op.now, AMR: []string{"pwd"}}
		return nil
	})
	must(t, err)
	return location(t, get(t, c, op.issuer+"/auth/"+uid))
}

// interactionID reads the interaction ID from the browser's cookie.
func (op *testOP) interactionID(c *http.Client) string {
	u, _ := url.Parse(op.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == cookie.Interaction {
			v, _, _ := strings.Cut(ck.Value, ".")
			return v
		}
	}
	op.t.Fatal("no interaction cookie")
	return ""
}

func (op *testOP) postToken(form url.Values, basic ...string) (*http.Response, map[string]any) {
	t := op.t
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

func (op *testOP) redeem(code string) map[string]any {
	op.t.Helper()
	resp, m := op.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"spa"},
		"redirect_uri": {spaRedirect}, "code_verifier": {verifier}})
	if resp.StatusCode != 200 {
		op.t.Fatalf("token: %d %v", resp.StatusCode, m)
	}
	return m
}

type storeApp = store.Application

type contextT = context.Context

// userinfo calls /oidc/me with a bearer token.
func (op *testOP) userinfo(at string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodGet, op.issuer+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	must(op.t, err)
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// logout runs RP-initiated logout: the end_session request, then the
// confirmation form it shows (if any). It returns the final response.
func (op *testOP) logout(c *http.Client, q url.Values) *http.Response {
	t := op.t
	t.Helper()
	resp := get(t, c, op.issuer+"/session/end?"+q.Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "html") {
		return resp
	}
	page := body(t, resp)
	form := hiddenFields(page)
	if form.Get("xsrf") == "" {
		t.Fatalf("no confirmation form: %s", page)
	}
	r2, err := c.PostForm(op.issuer+"/session/end/confirm", form)
	must(t, err)
	t.Cleanup(func() { r2.Body.Close() })
	return r2
}

// hiddenFields reads the hidden inputs of an HTML form.
func hiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
