package experience

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/user"
)

// fuzzRoutes are the Experience API routes that take a body.
var fuzzRoutes = []string{
	"PUT /api/experience",
	"PUT /api/experience/interaction-event",
	"POST /api/experience/verification/password",
	"POST /api/experience/verification/new-password-identity",
	"POST /api/experience/identification",
	"POST /api/experience/profile",
	"POST /api/experience/submit",
}

var fuzzEvents = []string{"", "SignIn", "Register", "ForgotPassword"}

// FuzzExperienceBody sends arbitrary JSON bodies to every Experience API
// route that reads one, in a fresh interaction started for each event.
// Whatever the body: no 5xx, and every error is Logto's JSON
// {code, message} with a 4xx.
func FuzzExperienceBody(f *testing.F) {
	st, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	users := &user.Service{Store: st}
	if _, err := users.Register(f.Context(), user.RegisterInput{Username: "fuzzer", Email: "fuzzer@example.com", Password: goodPassword}); err != nil {
		f.Fatal(err)
	}
	codec := cookie.NewCodec(bytes.Repeat([]byte("f"), 32), false)
	mux := http.NewServeMux()
	New(Config{Store: st, Users: users, Cookies: codec, Issuer: issuer, Endpoint: endpoint}).Mount(mux)

	seeds := []string{
		`{"interactionEvent":"SignIn"}`, `{"interactionEvent":"Register","captchaToken":"x"}`, `{"interactionEvent":"signin"}`,
		credentials("username", "fuzzer", goodPassword), credentials("email", "FUZZER@example.com", "wrong"),
		credentials("phone", "15550001", "x"), credentials("wechat", "a", "b"),
		`{"identifier":{"type":"username","value":""},"password":"p"}`, `{"identifier":null,"password":null}`,
		`{"verificationId":"abc"}`, `{}`, ``, `{"type":"username","value":"new_user"}`,
		`{"type":"password","value":"` + goodPassword + `"}`, `{"type":"email","verificationId":"v"}`,
		`{"type":"extraProfile","values":{"a":1}}`, `{"type":"username","value":"x","verificationId":"y"}`,
		`{"unknown":1}`, `[]`, `null`, `{"a":`, `"\u0000"`, `{"interactionEvent":"SignIn"} {}`,
	}
	for r := range fuzzRoutes {
		for i, s := range seeds {
			f.Add(uint8(r), uint8(i+r), s)
		}
	}

	call := func(t *testing.T, route string, ck *http.Cookie, body string) *httptest.ResponseRecorder {
		method, path, _ := strings.Cut(route, " ")
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Origin", endpoint)
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(ck)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}

	f.Fuzz(func(t *testing.T, routeIdx, eventIdx uint8, body string) {
		route := fuzzRoutes[int(routeIdx)%len(fuzzRoutes)]
		event := fuzzEvents[int(eventIdx)%len(fuzzEvents)]
		now := time.Now()
		it := &store.Interaction{ID: id.New(), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour),
			Request: store.AuthRequest{ClientID: "demo-app", RedirectURI: endpoint + "/demo-app", ResponseType: "code",
				Scopes: []string{"openid"}, MaxAge: -1}}
		if err := st.CreateInteraction(t.Context(), it); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		codec.Set(rec, cookie.Interaction, it.ID, 0)
		ck := rec.Result().Cookies()[0]
		if event != "" {
			if r := call(t, "PUT /api/experience", ck, `{"interactionEvent":"`+event+`"}`); r.Code != http.StatusNoContent {
				t.Fatalf("start %s: %d %s", event, r.Code, r.Body)
			}
		}

		r := call(t, route, ck, body)
		if r.Code >= 500 {
			t.Fatalf("%s (event %q) body %q: status %d %s", route, event, body, r.Code, r.Body)
		}
		if r.Code < 400 {
			return
		}
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(r.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
			t.Fatalf("%s body %q: error %d is not {code, message}: %q", route, body, r.Code, r.Body)
		}
	})
}
