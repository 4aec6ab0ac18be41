package management

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/signinexp"
	"github.com/gatehouse/gatehouse/internal/signing"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const issuer = "http://localhost:3001/oidc"

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

type testEnv struct {
	t    *testing.T
	keys *signing.Manager
	mux  *http.ServeMux
	logs *bytes.Buffer
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newKeys(t *testing.T, st store.Store) *signing.Manager {
	t.Helper()
	keys, err := signing.NewManager(st, bytes.Repeat([]byte("s"), 32), func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.EnsureKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	return keys
}

func newTestEnv(t *testing.T, st store.Store) *testEnv {
	t.Helper()
	e := &testEnv{t: t, keys: newKeys(t, st), mux: http.NewServeMux(), logs: &bytes.Buffer{}}
	now := func() time.Time { return t0 }
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	New(Config{
		Auth:      NewAuthorizer(AuthConfig{Keys: e.keys, Issuer: issuer, Now: now}),
		SignInExp: signinexp.New(signinexp.Config{Store: st, Channels: signinexp.Channels{Email: true}, Now: now}),
		Logger:    log,
		Now:       now,
	}).Mount(e.mux)
	return e
}

// token signs claims with our key as an access token.
func (e *testEnv) token(claims map[string]any) string {
	e.t.Helper()
	tok, err := e.keys.Sign(claims, "ES256", "at+jwt")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// good are the claims of a client_credentials token for the API.
func good() map[string]any {
	return map[string]any{"iss": issuer, "sub": "m2mapp", "client_id": "m2mapp", "aud": DefaultIndicator,
		"scope": "all", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "jti": "j1"}
}

func with(changes map[string]any) map[string]any {
	c := good()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r response) code() string { s, _ := r.body["code"].(string); return s }

func (e *testEnv) call(method, path, authz, body string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	out := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
		e.t.Fatalf("%s %s: body is not JSON: %q", method, path, out.raw)
	}
	return out
}

// unsigned builds a JWT with alg none (RFC 7519 §6).
func unsigned(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "at+jwt"})
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

func TestAuthorization(t *testing.T) {
	st := openSQLite(t)
	e := newTestEnv(t, st)
	other := newKeys(t, openSQLite(t)) // another deployment's key
	foreign, err := other.Sign(good(), "ES256", "at+jwt")
	if err != nil {
		t.Fatal(err)
	}
	hs := func() string { // HS256 with the public key's bytes as secret: an old trick
		h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "at+jwt"})
		c, _ := json.Marshal(good())
		return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + ".c2ln"
	}
	cases := []struct {
		name   string
		authz  string
		status int
		code   string
	}{
		{"no header", "", 401, "auth.authorization_header_missing"},
		{"basic", "Basic bTJtOnNlY3JldA==", 401, "auth.authorization_token_type_not_supported"},
		{"bearer without token", "Bearer ", 401, "auth.unauthorized"},
		{"garbage", "Bearer not-a-jwt", 401, "auth.unauthorized"},
		{"alg none", "Bearer " + unsigned(good()), 401, "auth.unauthorized"},
		{"HS256", "Bearer " + hs(), 401, "auth.unauthorized"},
		{"another deployment's key", "Bearer " + foreign, 401, "auth.unauthorized"},
		{"other audience", "Bearer " + e.token(with(map[string]any{"aud": "https://api.example.com"})), 401, "auth.unauthorized"},
		{"no audience", "Bearer " + e.token(with(map[string]any{"aud": nil})), 401, "auth.unauthorized"},
		{"other issuer", "Bearer " + e.token(with(map[string]any{"iss": "https://evil.example/oidc"})), 401, "auth.unauthorized"},
		{"expired", "Bearer " + e.token(with(map[string]any{"exp": t0.Unix()})), 401, "auth.unauthorized"},
		{"no expiry", "Bearer " + e.token(with(map[string]any{"exp": nil})), 401, "auth.unauthorized"},
		{"not yet valid", "Bearer " + e.token(with(map[string]any{"nbf": t0.Add(time.Minute).Unix()})), 401, "auth.unauthorized"},
		{"no subject", "Bearer " + e.token(with(map[string]any{"sub": nil})), 401, "auth.jwt_sub_missing"},
		{"no scope", "Bearer " + e.token(with(map[string]any{"scope": ""})), 403, "auth.forbidden"},
		{"other scope", "Bearer " + e.token(with(map[string]any{"scope": "read:users alloy"})), 403, "auth.forbidden"},
		{"all among others", "Bearer " + e.token(with(map[string]any{"scope": "read all"})), 200, ""},
		{"audience array", "Bearer " + e.token(with(map[string]any{"aud": []string{"x", DefaultIndicator}})), 200, ""},
		{"lower-case scheme", "bearer " + e.token(good()), 200, ""},
		{"good", "Bearer " + e.token(good()), 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("GET", "/api/sign-in-exp", tc.authz, "")
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
			}
			switch tc.status {
			case 401:
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Fatal("401 without WWW-Authenticate")
				}
			case 403:
				if !strings.Contains(r.header.Get("WWW-Authenticate"), "insufficient_scope") {
					t.Fatal("403 without insufficient_scope")
				}
			}
		})
	}
	if strings.Contains(e.logs.String(), "eyJ") {
		t.Fatal("a token reached the log")
	}
}

func TestAuthType(t *testing.T) {
	e := newTestEnv(t, openSQLite(t))
	a := NewAuthorizer(AuthConfig{Keys: e.keys, Issuer: issuer, Now: func() time.Time { return t0 }})
	for _, tc := range []struct {
		claims map[string]any
		want   string
	}{
		{good(), "app"},
		{with(map[string]any{"sub": "user1"}), "user"},
	} {
		req := httptest.NewRequest("GET", "/api/x", nil)
		req.Header.Set("Authorization", "Bearer "+e.token(tc.claims))
		got, err := a.Authenticate(req)
		if err != nil || got.Type != tc.want || got.ID != tc.claims["sub"] {
			t.Fatalf("%v: %+v, %v", tc.claims["sub"], got, err)
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	e := newTestEnv(t, openSQLite(t))
	if r := e.call("GET", "/api/no-such-thing", "", ""); r.status != 401 {
		t.Fatalf("unauthenticated: %d", r.status)
	}
	if r := e.call("GET", "/api/no-such-thing", "Bearer "+e.token(good()), ""); r.status != 404 || r.code() != "request.not_found" {
		t.Fatalf("authenticated: %d %s", r.status, r.raw)
	}
	if r := e.call("DELETE", "/api/sign-in-exp", "Bearer "+e.token(good()), ""); r.status != 404 && r.status != 405 {
		t.Fatalf("wrong method: %d %s", r.status, r.raw)
	}
}

func TestSignInExperienceRoutes(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		e := newTestEnv(t, st)
		authz := "Bearer " + e.token(good())

		r := e.call("GET", "/api/sign-in-exp", authz, "")
		if r.status != 200 || r.body["id"] != "default" || r.body["signInMode"] != "SignInAndRegister" {
			t.Fatalf("GET: %d %s", r.status, r.raw)
		}
		// A GET answer sent back unchanged is accepted.
		r = e.call("PATCH", "/api/sign-in-exp", authz, r.raw)
		if r.status != 200 {
			t.Fatalf("round trip: %d %s", r.status, r.raw)
		}

		cases := []struct {
			name   string
			body   string
			status int
			code   string
		}{
			{"e-mail sign-up", `{"signUp":{"identifiers":["email"],"password":true,"verify":true},
				"signIn":{"methods":[{"identifier":"email","password":true,"verificationCode":true,"isPasswordPrimary":true}]},
				"color":{"primaryColor":"#0a0b0c","isDarkModeEnabled":false,"darkPrimaryColor":"#ffffff"},
				"termsOfUseUrl":"https://example.com/terms"}`, 200, ""},
			{"username without password", `{"signUp":{"identifiers":["username"],"password":false,"verify":false}}`, 400, "sign_in_experiences.username_requires_password"},
			{"SMS without a connector", `{"signIn":{"methods":[{"identifier":"phone","password":false,"verificationCode":true,"isPasswordPrimary":false}]}}`, 400, "sign_in_experiences.enabled_connector_not_found"},
			{"unsupported language", `{"languageInfo":{"autoDetect":true,"fallbackLanguage":"xx"}}`, 400, "sign_in_experiences.unsupported_default_language"},
			{"unknown field", `{"hideLogtoBranding":true}`, 400, "guard.invalid_input"},
			{"not an object", `[1,2]`, 400, "guard.invalid_input"},
			{"not JSON", `{"signInMode":`, 400, "guard.invalid_input"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call("PATCH", "/api/sign-in-exp", authz, tc.body)
				if r.status != tc.status || r.code() != tc.code {
					t.Fatalf("%d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
				}
			})
		}
		r = e.call("GET", "/api/sign-in-exp", authz, "")
		signUp, _ := json.Marshal(r.body["signUp"])
		if string(signUp) != `{"identifiers":["email"],"password":true,"verify":true}` || r.body["termsOfUseUrl"] != "https://example.com/terms" {
			t.Fatalf("after PATCH: %s", r.raw)
		}
		if r := e.call("PATCH", "/api/sign-in-exp", "", `{"signInMode":"SignIn"}`); r.status != 401 {
			t.Fatalf("PATCH without a token: %d", r.status)
		}
		if r := e.call("PATCH", "/api/sign-in-exp", "Bearer "+e.token(with(map[string]any{"scope": "read"})), `{"signInMode":"SignIn"}`); r.status != 403 {
			t.Fatalf("PATCH without all: %d", r.status)
		}
		if !strings.Contains(e.logs.String(), "sign-in experience updated") {
			t.Fatal("the change was not logged")
		}
	})
}

// TestBodyLimit: a huge body is refused before it is parsed.
func TestBodyLimit(t *testing.T) {
	e := newTestEnv(t, openSQLite(t))
	body := `{"customCss":"` + strings.Repeat("a", 2<<20) + `"}`
	r := e.call("PATCH", "/api/sign-in-exp", "Bearer "+e.token(good()), body)
	if r.status != 413 {
		t.Fatalf("%d %s", r.status, r.raw[:min(len(r.raw), 200)])
	}
}

func backends(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
		if pg == "" {
			t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run against PostgreSQL")
		}
		f(t, pgtest.OpenTestSchema(t, pg))
	})
}
