package oidc

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/oauth"
)

// FuzzAuthorize sends arbitrary query strings to the authorization
// endpoint and checks the rules that protect users whatever the input:
// no 5xx; a redirect goes either to the hosted sign-in pages or to the
// redirect_uri of the request, which must be registered for its client_id
// (no open redirect, RFC 6749 §4.1.2.1); state comes back untouched.
func FuzzAuthorize(f *testing.F) {
	op := newOP(f, nil)
	valid := url.Values{"client_id": {"spa"}, "redirect_uri": {spaRedirect}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"s"}, "code_challenge": {oauth.S256Challenge(verifier)},
		"code_challenge_method": {"S256"}}
	f.Add(valid.Encode())
	for _, kv := range [][2]string{
		{"redirect_uri", "https://evil.example/cb"}, {"redirect_uri", spaRedirect + "/"}, {"client_id", "m2m"},
		{"client_id", "nope"}, {"response_type", "token"}, {"scope", "profile"}, {"code_challenge_method", "plain"},
		{"prompt", "none"}, {"prompt", "none login"}, {"max_age", "-1"}, {"resource", "https://api.example.com,x"},
		{"response_mode", "form_post"}, {"response_mode", "fragment"}, {"request", "eyJ"}, {"first_screen", "register"},
		{"state", "a&b=c#d"}, {"ui_locales", "fr <script>"},
	} {
		v := url.Values{}
		for k, vals := range valid {
			v[k] = append([]string(nil), vals...)
		}
		v.Set(kv[0], kv[1])
		f.Add(v.Encode())
	}
	f.Add("client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%3A4567%2Fcb&response_type=code&scope=openid&code_challenge=" +
		oauth.S256Challenge(verifier) + "&code_challenge_method=S256")
	f.Add("client_id=spa&client_id=web&redirect_uri=" + url.QueryEscape(spaRedirect))
	f.Add("%zz")
	f.Add("client_id=spa\x00")

	registered := map[string][]string{}
	for _, id := range []string{"spa", "web", "native", "third"} {
		app, err := op.st.GetApplication(f.Context(), id)
		if err != nil {
			f.Fatal(err)
		}
		registered[id] = app.OIDCClientMetadata.RedirectURIs
	}
	handler := op.srv.Config.Handler

	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 4096 {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/oidc/auth", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("query %q: status %d %s", query, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusFound && rec.Code != http.StatusSeeOther {
			return
		}
		loc := rec.Header().Get("Location")
		if strings.HasPrefix(loc, op.srv.URL+"/") && !strings.HasPrefix(loc, op.srv.URL+"//") {
			return // the hosted sign-in pages
		}
		v, err := url.ParseQuery(query)
		if err != nil {
			t.Fatalf("query %q does not parse but was redirected to %q", query, loc)
		}
		clientID, redirectURI := v.Get("client_id"), v.Get("redirect_uri")
		if !oauth.MatchRedirectURI(registered[clientID], redirectURI, clientID == "native") {
			t.Fatalf("query %q: redirected to %q, which is not registered for client %q", query, loc, clientID)
		}
		if !strings.HasPrefix(loc, redirectURI) {
			t.Fatalf("query %q: redirected to %q, not to redirect_uri %q", query, loc, redirectURI)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("unparsable Location %q", loc)
		}
		if s := v.Get("state"); s != "" && u.Query().Get("state") != s {
			t.Fatalf("query %q: state %q came back as %q", query, s, u.Query().Get("state"))
		}
	})
}
