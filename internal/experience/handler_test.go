package experience

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/user"
)

const (
	endpoint     = "http://localhost:3001"
	issuer       = endpoint + "/oidc"
	goodPassword = "violet-Harbor-92"
)

type testEnv struct {
	t       *testing.T
	store   store.Store
	users   *user.Service
	cookies *cookie.Codec
	mux     *http.ServeMux
	logs    *bytes.Buffer
	now     time.Time
}

type envOption func(*Config)

func newTestEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, store: st, logs: &bytes.Buffer{}, now: time.Now().UTC().Truncate(time.Millisecond)}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.users = &user.Service{Store: st, Logger: log}
	e.cookies = cookie.NewCodec(bytes.Repeat([]byte("k"), 32), false)
	cfg := Config{Store: st, Users: e.users, Cookies: e.cookies, Issuer: issuer, Endpoint: endpoint,
		Logger: log, Now: func() time.Time { return e.now }}
	for _, o := range opts {
		o(&cfg)
	}
	e.mux = http.NewServeMux()
	New(cfg).Mount(e.mux)
	return e
}

// interaction creates an interaction the way the OP does and returns the
// cookie the OP would have set.
func (e *testEnv) interaction() *http.Cookie {
	e.t.Helper()
	i := &store.Interaction{
		ID:        id.New(),
		Request:   store.AuthRequest{ClientID: "demo-app", RedirectURI: endpoint + "/demo-app", ResponseType: "code", Scopes: []string{"openid"}, MaxAge: -1},
		CreatedAt: e.now,
		UpdatedAt: e.now,
		ExpiresAt: e.now.Add(time.Hour),
	}
	if err := e.store.CreateInteraction(e.t.Context(), i); err != nil {
		e.t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.cookies.Set(rec, cookie.Interaction, i.ID, 0)
	return rec.Result().Cookies()[0]
}

func (e *testEnv) register(username, email, pw string) *store.User {
	e.t.Helper()
	u, err := e.users.Register(e.t.Context(), user.RegisterInput{Username: username, Email: email, Password: pw})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r response) code() string { s, _ := r.body["code"].(string); return s }

// call sends a same-origin JSON request. Extra headers are "Name: value".
func (e *testEnv) call(method, path string, ck *http.Cookie, body string, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Origin", endpoint)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if ck != nil {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	out := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, path, rec.Body.String())
		}
	}
	return out
}

func (e *testEnv) must(r response, status int) response {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

func credentials(typ, value, pw string) string {
	b, _ := json.Marshal(map[string]any{"identifier": map[string]string{"type": typ, "value": value}, "password": pw})
	return string(b)
}

func (e *testEnv) storedInteraction(ck *http.Cookie) *store.Interaction {
	e.t.Helper()
	idv, _, _ := strings.Cut(ck.Value, ".")
	i, err := e.store.GetInteraction(e.t.Context(), idv, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	return i
}

func TestSignInFlow(t *testing.T) {
	e := newTestEnv(t)
	alice := e.register("alice", "alice@example.com", goodPassword)

	for _, ident := range [][2]string{{"username", "alice"}, {"email", "Alice@Example.com"}} {
		t.Run(ident[0], func(t *testing.T) {
			ck := e.interaction()
			e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
			r := e.must(e.call("POST", "/api/experience/verification/password", ck, credentials(ident[0], ident[1], goodPassword)), 200)
			vid, _ := r.body["verificationId"].(string)
			if vid == "" {
				t.Fatalf("no verificationId: %s", r.raw)
			}
			e.must(e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+vid+`"}`), 204)
			r = e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
			stored := e.storedInteraction(ck)
			if want := issuer + "/auth/" + stored.ID; r.body["redirectTo"] != want {
				t.Fatalf("redirectTo = %v, want %s", r.body["redirectTo"], want)
			}
			res := stored.Result
			if res == nil || res.UserID != alice.ID || !slices.Equal(res.AMR, []string{"pwd"}) || res.AuthTime.IsZero() {
				t.Fatalf("result %+v", res)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", r.header.Get("Cache-Control"))
			}
		})
	}
	if strings.Contains(e.logs.String(), goodPassword) {
		t.Fatal("a password reached the log")
	}
}

func TestRegisterFlow(t *testing.T) {
	e := newTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	e.must(e.call("PUT", "/api/experience/interaction-event", ck, `{"interactionEvent":"Register"}`), 204)
	e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"username","value":"newbie"}`), 204)
	e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"password","value":"`+goodPassword+`"}`), 204)
	r := e.must(e.call("GET", "/api/experience/interaction", ck, ""), 200)
	if r.body["interactionEvent"] != "Register" || strings.Contains(r.raw, "argon2") {
		t.Fatalf("interaction view: %s", r.raw)
	}
	e.must(e.call("POST", "/api/experience/identification", ck, `{}`), 201)
	r = e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if !strings.HasPrefix(r.body["redirectTo"].(string), issuer+"/auth/") {
		t.Fatalf("redirectTo %v", r.body["redirectTo"])
	}
	u, err := e.users.Authenticate(t.Context(), "username", "newbie", goodPassword)
	if err != nil || e.storedInteraction(ck).Result.UserID != u.ID {
		t.Fatalf("registered user: %v", err)
	}
	if strings.Contains(e.logs.String(), goodPassword) {
		t.Fatal("a password reached the log")
	}
}

func TestRegisterWithNewPasswordIdentity(t *testing.T) {
	e := newTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"Register"}`), 204)
	r := e.must(e.call("POST", "/api/experience/verification/new-password-identity", ck, credentials("username", "npi_user", goodPassword)), 200)
	e.must(e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+r.body["verificationId"].(string)+`"}`), 201)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
}

func TestErrors(t *testing.T) {
	e := newTestEnv(t)
	e.register("alice", "", goodPassword)
	sus := e.register("sus", "", goodPassword)
	if _, err := e.store.UpdateUser(t.Context(), sus.ID, func(u *store.User) error { u.IsSuspended = true; return nil }); err != nil {
		t.Fatal(err)
	}
	forged := &http.Cookie{Name: cookie.Interaction, Value: "abc.forgedsignature"}

	// fresh: a new interaction with no event yet; signIn: started SignIn;
	// register: started Register.
	fresh := func() *http.Cookie { return e.interaction() }
	start := func(event string) func() *http.Cookie {
		return func() *http.Cookie {
			ck := e.interaction()
			e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"`+event+`"}`), 204)
			return ck
		}
	}
	expired := func() *http.Cookie {
		ck := e.interaction()
		e.now = e.now.Add(2 * time.Hour)
		return ck
	}
	none := func() *http.Cookie { return nil }
	bad := func() *http.Cookie { return forged }

	tests := []struct {
		name    string
		cookie  func() *http.Cookie
		method  string
		path    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"no cookie", none, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, nil, 400, "session.not_found"},
		{"forged cookie", bad, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, nil, 400, "session.not_found"},
		{"expired interaction", expired, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, nil, 400, "session.not_found"},
		{"cross-origin", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Origin: https://evil.example"}, 403, "auth.forbidden"},
		{"null origin", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Origin: null"}, 403, "auth.forbidden"},
		{"cross-site without origin", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Origin: ", "Sec-Fetch-Site: cross-site"}, 403, "auth.forbidden"},
		{"same-site sibling without origin", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Origin: ", "Sec-Fetch-Site: same-site"}, 403, "auth.forbidden"},
		{"same-origin fetch metadata", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Origin: ", "Sec-Fetch-Site: same-origin"}, 204, ""},
		{"invalid event", fresh, "PUT", "/api/experience", `{"interactionEvent":"Hack"}`, nil, 400, "guard.invalid_input"},
		{"missing event", fresh, "PUT", "/api/experience", `{}`, nil, 400, "guard.invalid_input"},
		{"unknown field", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn","x":1}`, nil, 400, "guard.invalid_input"},
		{"malformed JSON", fresh, "PUT", "/api/experience", `{"interactionEvent":`, nil, 400, "guard.invalid_input"},
		{"two JSON values", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}{}`, nil, 400, "guard.invalid_input"},
		{"wrong type", fresh, "PUT", "/api/experience", `{"interactionEvent":1}`, nil, 400, "guard.invalid_input"},
		{"form content type", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn"}`, []string{"Content-Type: application/x-www-form-urlencoded"}, 415, "guard.invalid_input"},
		{"body too large", fresh, "PUT", "/api/experience", `{"interactionEvent":"` + strings.Repeat("a", 1<<20) + `"}`, nil, 413, "guard.invalid_input"},
		{"captcha without provider", fresh, "PUT", "/api/experience", `{"interactionEvent":"SignIn","captchaToken":"t"}`, nil, 422, "session.captcha_failed"},
		{"not started: verify", fresh, "POST", "/api/experience/verification/password", credentials("username", "alice", goodPassword), nil, 404, "session.interaction_not_found"},
		{"not started: get", fresh, "GET", "/api/experience/interaction", "", nil, 404, "session.interaction_not_found"},
		{"not started: submit", fresh, "POST", "/api/experience/submit", "", nil, 404, "session.interaction_not_found"},
		{"switch to forgot password", start("SignIn"), "PUT", "/api/experience/interaction-event", `{"interactionEvent":"ForgotPassword"}`, nil, 400, "session.not_supported_for_forgot_password"},
		{"wrong password", start("SignIn"), "POST", "/api/experience/verification/password", credentials("username", "alice", "wrong-Pass-123"), nil, 422, "session.invalid_credentials"},
		{"unknown user", start("SignIn"), "POST", "/api/experience/verification/password", credentials("username", "nobody", goodPassword), nil, 422, "session.invalid_credentials"},
		{"suspended", start("SignIn"), "POST", "/api/experience/verification/password", credentials("username", "sus", goodPassword), nil, 401, "user.suspended"},
		{"phone sign-in disabled", start("SignIn"), "POST", "/api/experience/verification/password", credentials("phone", "821012345678", goodPassword), nil, 422, "user.sign_in_method_not_enabled"},
		{"bad identifier type", start("SignIn"), "POST", "/api/experience/verification/password", credentials("nick", "alice", goodPassword), nil, 400, "guard.invalid_input"},
		{"missing password", start("SignIn"), "POST", "/api/experience/verification/password", `{"identifier":{"type":"username","value":"alice"}}`, nil, 400, "guard.invalid_input"},
		{"missing identifier", start("SignIn"), "POST", "/api/experience/verification/password", `{"password":"x"}`, nil, 400, "guard.invalid_input"},
		{"huge password", start("SignIn"), "POST", "/api/experience/verification/password", credentials("username", "alice", strings.Repeat("a", 2000)), nil, 400, "guard.invalid_input"},
		{"identification without id", start("SignIn"), "POST", "/api/experience/identification", `{}`, nil, 400, "guard.invalid_input"},
		{"identification unknown id", start("SignIn"), "POST", "/api/experience/identification", `{"verificationId":"nope"}`, nil, 404, "session.verification_session_not_found"},
		{"submit unidentified", start("SignIn"), "POST", "/api/experience/submit", "", nil, 404, "session.identifier_not_found"},
		{"profile before identification", start("SignIn"), "POST", "/api/experience/profile", `{"type":"username","value":"x_y"}`, nil, 404, "session.identifier_not_found"},
		{"register missing profile", start("Register"), "POST", "/api/experience/identification", `{}`, nil, 422, "user.missing_profile"},
		{"username taken", start("Register"), "POST", "/api/experience/profile", `{"type":"username","value":"alice"}`, nil, 422, "user.username_already_in_use"},
		{"invalid username", start("Register"), "POST", "/api/experience/profile", `{"type":"username","value":"-bad"}`, nil, 400, "guard.invalid_input"},
		{"weak password", start("Register"), "POST", "/api/experience/profile", `{"type":"password","value":"12345678"}`, nil, 422, "password.rejected"},
		{"profile value missing", start("Register"), "POST", "/api/experience/profile", `{"type":"username"}`, nil, 400, "guard.invalid_input"},
		{"profile unknown type", start("Register"), "POST", "/api/experience/profile", `{"type":"nickname","value":"x"}`, nil, 400, "guard.invalid_input"},
		{"profile email unverified", start("Register"), "POST", "/api/experience/profile", `{"type":"email","verificationId":"x"}`, nil, 404, "session.verification_session_not_found"},
		{"new-password-identity in sign-in", start("SignIn"), "POST", "/api/experience/verification/new-password-identity", credentials("username", "neo", goodPassword), nil, 400, "session.invalid_interaction_type"},
		{"unimplemented route", fresh, "POST", "/api/experience/verification/sso/acme/authorization-uri", `{}`, nil, 404, "request.not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := e.now
			defer func() { e.now = saved }()
			r := e.call(tt.method, tt.path, tt.cookie(), tt.body, tt.headers...)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, r.raw)
			}
			if tt.code != "" {
				if msg, _ := r.body["message"].(string); msg == "" {
					t.Errorf("error without message: %s", r.raw)
				}
			}
		})
	}
	if strings.Contains(e.logs.String(), goodPassword) {
		t.Fatal("a password reached the log")
	}
}

func TestErrorData(t *testing.T) {
	e := newTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"Register"}`), 204)
	r := e.must(e.call("POST", "/api/experience/identification", ck, `{}`), 422)
	data, _ := r.body["data"].(map[string]any)
	if fmt.Sprint(data["missingProfile"]) != "[username password]" {
		t.Fatalf("missingProfile data: %s", r.raw)
	}
	r = e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"password","value":"abc"}`), 422)
	issues, _ := r.body["data"].(map[string]any)["issues"].([]any)
	if len(issues) == 0 || issues[0].(map[string]any)["code"] != "password_rejected.too_short" {
		t.Fatalf("issues: %s", r.raw)
	}
}

// Unknown account and wrong password must be indistinguishable.
func TestNoEnumeration(t *testing.T) {
	e := newTestEnv(t)
	e.register("alice", "", goodPassword)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	wrong := e.call("POST", "/api/experience/verification/password", ck, credentials("username", "alice", "Wrong-pass-11"))
	unknown := e.call("POST", "/api/experience/verification/password", ck, credentials("username", "mallory", "Wrong-pass-11"))
	if wrong.status != unknown.status || wrong.raw != unknown.raw {
		t.Fatalf("responses differ:\n%d %s\n%d %s", wrong.status, wrong.raw, unknown.status, unknown.raw)
	}
}

func TestSignInExp(t *testing.T) {
	e := newTestEnv(t)
	r := e.must(e.call("GET", "/api/.well-known/sign-in-exp", nil, "", "Origin: "), 200)
	signIn, _ := r.body["signIn"].(map[string]any)
	methods, _ := signIn["methods"].([]any)
	policy, _ := r.body["passwordPolicy"].(map[string]any)
	if len(methods) != 2 || r.body["signInMode"] != "SignInAndRegister" || policy["length"].(map[string]any)["min"] != 8.0 {
		t.Fatalf("sign-in-exp: %s", r.raw)
	}
	if !strings.Contains(r.raw, `"identifiers":["username"]`) {
		t.Fatalf("signUp: %s", r.raw)
	}
}

// unavailableStore fails interaction reads the way a store does when the
// database is unreachable.
type unavailableStore struct{ store.Store }

func (unavailableStore) GetInteraction(context.Context, string, time.Time) (*store.Interaction, error) {
	return nil, fmt.Errorf("get interaction: %w", store.ErrUnavailable)
}

func (unavailableStore) UpdateInteraction(context.Context, string, time.Time, func(*store.Interaction) error) (*store.Interaction, error) {
	return nil, fmt.Errorf("update interaction: %w", store.ErrUnavailable)
}

func TestStoreUnavailable(t *testing.T) {
	e := newTestEnv(t)
	ck := e.interaction()
	e2 := newTestEnv(t, func(c *Config) { c.Store = unavailableStore{e.store}; c.Cookies = e.cookies })
	r := e2.must(e2.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 503)
	if r.code() != "store.unavailable" || r.header.Get("Retry-After") == "" {
		t.Fatalf("503 body: %s", r.raw)
	}
}

type lockout struct{ failures map[string]int }

func (l *lockout) Allow(_ context.Context, key string) (time.Duration, error) {
	if l.failures[key] >= 2 {
		return 30 * time.Second, nil
	}
	return 0, nil
}
func (l *lockout) Fail(_ context.Context, key string)  { l.failures[key]++ }
func (l *lockout) Reset(_ context.Context, key string) { delete(l.failures, key) }

func TestLimiter(t *testing.T) {
	l := &lockout{failures: map[string]int{}}
	e := newTestEnv(t, func(c *Config) { c.Limiter = l })
	e.register("alice", "", goodPassword)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	for range 2 {
		e.must(e.call("POST", "/api/experience/verification/password", ck, credentials("username", "alice", "Wrong-pass-11")), 422)
	}
	r := e.must(e.call("POST", "/api/experience/verification/password", ck, credentials("username", "alice", goodPassword)), 429)
	if r.code() != "session.verification_blocked_too_many_attempts" || r.header.Get("Retry-After") != "30" {
		t.Fatalf("429: %v %s", r.header, r.raw)
	}
}

func TestPanicIsJSON500(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.Users = nil })
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	r := e.must(e.call("POST", "/api/experience/verification/password", ck, credentials("username", "alice", goodPassword)), 500)
	if r.code() != "unknown" || strings.Contains(r.raw, "nil pointer") {
		t.Fatalf("500 body: %s", r.raw)
	}
	if !strings.Contains(e.logs.String(), "panic") {
		t.Fatal("panic not logged")
	}
}

// racingStore lets another request change the interaction between this
// request's read and its write.
type racingStore struct {
	store.Store
}

func (s racingStore) GetInteraction(ctx context.Context, id string, now time.Time) (*store.Interaction, error) {
	rec, err := s.Store.GetInteraction(ctx, id, now)
	if err != nil {
		return nil, err
	}
	// The other request: bump the state's revision, as any write does.
	_, err = s.Store.UpdateInteraction(ctx, id, now, func(i *store.Interaction) error {
		var st map[string]any
		_ = json.Unmarshal(i.State, &st)
		if st == nil {
			st = map[string]any{}
		}
		rev, _ := st["rev"].(float64)
		st["rev"] = rev + 1
		i.State, _ = json.Marshal(st)
		return nil
	})
	return rec, err
}

func TestConcurrentChangeIsAConflict(t *testing.T) {
	e := newTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	racing := newTestEnv(t, func(c *Config) { c.Store = racingStore{Store: e.store}; c.Cookies = e.cookies })
	r := racing.must(racing.call("PUT", "/api/experience/interaction-event", ck, `{"interactionEvent":"Register"}`), 409)
	if r.code() != "session.interaction_conflict" {
		t.Fatalf("conflict: %s", r.raw)
	}
	if e.storedInteraction(ck).Event != "SignIn" {
		t.Fatal("the stale write went through")
	}
}
