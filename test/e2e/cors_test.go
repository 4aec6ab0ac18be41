package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestCORS sends real preflights (OPTIONS with Access-Control-Request-*)
// and real requests with Origin to the token, userinfo and revocation
// endpoints: only an app's corsAllowedOrigins (and the origins of its
// redirect URIs) get CORS headers, and only for that app's requests.
func TestCORS(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		const allowed, foreign, other = "https://spa.example", "https://evil.example", "https://other.example"
		spa := newRP(t, srv, application.CreateInput{Type: store.AppSPA, CORSAllowedOrigins: []string{allowed}},
			"openid", "offline_access")
		newRP(t, srv, application.CreateInput{Type: store.AppSPA, CORSAllowedOrigins: []string{other}})
		tok := spa.login(testenv.NewBrowser(t, srv.URL), offline...)

		for _, path := range []string{"/oidc/token", "/oidc/me", "/oidc/token/revocation", "/oidc/token/introspection"} {
			for origin, want := range map[string]bool{allowed: true, other: true, foreign: false} {
				req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
				req.Header.Set("Origin", origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "content-type")
				resp, err := http.DefaultClient.Do(req)
				must(t, err)
				resp.Body.Close()
				got := resp.Header.Get("Access-Control-Allow-Origin") == origin &&
					strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST")
				if got != want {
					t.Errorf("preflight %s from %s: allowed=%v, want %v (%v)", path, origin, got, want, resp.Header)
				}
			}
		}

		// Real requests are checked against the calling app: the other
		// app's origin passed the preflight but gets no CORS headers here.
		for origin, want := range map[string]bool{allowed: true, other: false, foreign: false} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Origin", origin)
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != 200 || (resp.Header.Get("Access-Control-Allow-Origin") == origin) != want {
				t.Errorf("userinfo from %s: %d ACAO=%q, want allowed=%v", origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
			}
			for _, path := range []string{"/oidc/token", "/oidc/token/revocation"} {
				form := url.Values{"client_id": {spa.app.ID}, "grant_type": {"refresh_token"}, "refresh_token": {"unknown"}, "token": {"unknown"}}
				req, _ = http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", origin)
				resp, err = http.DefaultClient.Do(req)
				must(t, err)
				resp.Body.Close()
				if (resp.Header.Get("Access-Control-Allow-Origin") == origin) != want {
					t.Errorf("%s from %s: ACAO=%q, want allowed=%v", path, origin, resp.Header.Get("Access-Control-Allow-Origin"), want)
				}
			}
		}
	})
}
