package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// authRequest builds an authorization request URL with PKCE S256, state
// and nonce, and returns the verifier and state to check later.
func authRequest(authURL, clientID, redirectURI, scope string, extra url.Values) (u, verifier, state string) {
	verifier, challenge := pkcePair()
	state = randToken(12)
	q := url.Values{
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"response_type":         {"code"},
		"scope":                 {scope},
		"prompt":                {"consent"},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"state":                 {state},
		"nonce":                 {randToken(12)},
	}
	for k, v := range extra {
		q[k] = v
	}
	return authURL + "?" + q.Encode(), verifier, state
}

// codeFrom checks that loc is redirectURI?code=...&state=state.
func codeFrom(loc, redirectURI, state string) (string, bool, error) {
	if !strings.HasPrefix(loc, redirectURI) {
		return "", false, nil
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", true, err
	}
	q := u.Query()
	if e := q.Get("error"); e != "" {
		return "", true, fmt.Errorf("authorization error %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return "", true, fmt.Errorf("state did not round-trip: %q", q.Get("state"))
	}
	if q.Get("code") == "" {
		return "", true, fmt.Errorf("no code in %s", loc)
	}
	return q.Get("code"), true, nil
}

func exchangeCode(hc *http.Client, tokenURL, clientID, redirectURI, code, verifier string) (tokenSet, error) {
	r, err := do(hc, "POST", tokenURL, nil, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"client_id":     {clientID},
		"code_verifier": {verifier},
	})
	if err != nil {
		return tokenSet{}, err
	}
	t, err := parseTokens(r)
	if err == nil && (t.IDToken == "" || t.RefreshToken == "") {
		err = fmt.Errorf("token response lacks id_token or refresh_token: %s", r)
	}
	return t, err
}

// isRedirect: 301, 302, 303, 307, 308 with a Location.
func isRedirect(r resp) bool {
	return r.status >= 300 && r.status < 400 && r.header.Get("Location") != ""
}

// ---- Gatehouse: Logto's Experience API --------------------------------------

type gatehouseFlow struct {
	base        string // endpoint, e.g. http://127.0.0.1:18080
	clientID    string
	redirectURI string
}

// signIn does every HTTP step of a Logto-style sign-in (or, with register,
// sign-up) and the code exchange. hc must have a fresh cookie jar.
func (f gatehouseFlow) signIn(hc *http.Client, user, password string, register bool) (tokenSet, error) {
	authURL, verifier, state := authRequest(f.base+"/oidc/auth", f.clientID, f.redirectURI, "openid offline_access", nil)
	r, err := do(hc, "GET", authURL, nil, nil)
	if err != nil {
		return tokenSet{}, err
	}
	if !isRedirect(r) {
		return tokenSet{}, fmt.Errorf("GET /oidc/auth: want a redirect to the sign-in page, got %s", r)
	}
	origin := map[string]string{"Origin": f.base}
	api := func(method, path string, body any) (resp, error) {
		r, err := do(hc, method, f.base+path, origin, body)
		if err != nil {
			return r, err
		}
		if r.status/100 != 2 {
			return r, fmt.Errorf("%s %s: %s", method, path, r)
		}
		return r, nil
	}
	if register {
		if _, err := api("PUT", "/api/experience", map[string]string{"interactionEvent": "Register"}); err != nil {
			return tokenSet{}, err
		}
		if _, err := api("POST", "/api/experience/profile", map[string]string{"type": "username", "value": user}); err != nil {
			return tokenSet{}, err
		}
		if _, err := api("POST", "/api/experience/profile", map[string]string{"type": "password", "value": password}); err != nil {
			return tokenSet{}, err
		}
		if _, err := api("POST", "/api/experience/identification", map[string]string{}); err != nil {
			return tokenSet{}, err
		}
	} else {
		if _, err := api("PUT", "/api/experience", map[string]string{"interactionEvent": "SignIn"}); err != nil {
			return tokenSet{}, err
		}
		r, err := api("POST", "/api/experience/verification/password", map[string]any{
			"identifier": map[string]string{"type": "username", "value": user},
			"password":   password,
		})
		if err != nil {
			return tokenSet{}, err
		}
		var v struct {
			VerificationID string `json:"verificationId"`
		}
		if json.Unmarshal(r.body, &v) != nil || v.VerificationID == "" {
			return tokenSet{}, fmt.Errorf("verification/password: no verificationId: %s", r)
		}
		if _, err := api("POST", "/api/experience/identification", map[string]string{"verificationId": v.VerificationID}); err != nil {
			return tokenSet{}, err
		}
	}
	r, err = api("POST", "/api/experience/submit", nil)
	if err != nil {
		return tokenSet{}, err
	}
	var sub struct {
		RedirectTo string `json:"redirectTo"`
	}
	if json.Unmarshal(r.body, &sub) != nil || sub.RedirectTo == "" {
		return tokenSet{}, fmt.Errorf("submit: no redirectTo: %s", r)
	}
	next := sub.RedirectTo
	if strings.HasPrefix(next, "/") {
		next = f.base + next
	}
	for hop := 0; hop < 6; hop++ {
		if code, done, err := codeFrom(next, f.redirectURI, state); done {
			if err != nil {
				return tokenSet{}, err
			}
			return exchangeCode(hc, f.base+"/oidc/token", f.clientID, f.redirectURI, code, verifier)
		}
		r, err := do(hc, "GET", next, nil, nil)
		if err != nil {
			return tokenSet{}, err
		}
		if !isRedirect(r) {
			return tokenSet{}, fmt.Errorf("GET %s: want a redirect, got %s", next, r)
		}
		next = r.location(next)
	}
	return tokenSet{}, fmt.Errorf("too many redirects after submit")
}

// ---- node-oidc-provider: interactionDetails/interactionFinished routes ----

type nodeFlow struct {
	base        string
	clientID    string
	redirectURI string
}

func (f nodeFlow) signIn(hc *http.Client, user, password string) (tokenSet, error) {
	authURL, verifier, state := authRequest(f.base+"/oidc/auth", f.clientID, f.redirectURI, "openid offline_access", nil)
	next := authURL
	for hop := 0; hop < 8; hop++ {
		r, err := do(hc, "GET", next, nil, nil)
		if err != nil {
			return tokenSet{}, err
		}
		if !isRedirect(r) {
			return tokenSet{}, fmt.Errorf("GET %s: want a redirect, got %s", next, r)
		}
		loc := r.location(next)
		if code, done, err := codeFrom(loc, f.redirectURI, state); done {
			if err != nil {
				return tokenSet{}, err
			}
			return exchangeCode(hc, f.base+"/oidc/token", f.clientID, f.redirectURI, code, verifier)
		}
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(u.Path, "/interaction/") {
			return tokenSet{}, fmt.Errorf("unexpected redirect to %s", loc)
		}
		// The first interaction is the login prompt, the next the consent.
		var body any
		action := "login"
		if hop > 0 {
			action = "confirm"
			body = map[string]string{}
		} else {
			body = map[string]string{"username": user, "password": password}
		}
		r, err = do(hc, "POST", loc+"/"+action, nil, body)
		if err != nil {
			return tokenSet{}, err
		}
		if !isRedirect(r) {
			return tokenSet{}, fmt.Errorf("POST %s/%s: %s", loc, action, r)
		}
		next = r.location(loc)
	}
	return tokenSet{}, fmt.Errorf("too many redirects")
}

// ---- Ory Hydra: login and consent app (gbench hydra-login) ---------------

type hydraFlow struct {
	public      string // http://127.0.0.1:18444
	loginApp    string // http://127.0.0.1:18446
	clientID    string
	redirectURI string
}

func (f hydraFlow) signIn(hc *http.Client, user, password string) (tokenSet, error) {
	authURL, verifier, state := authRequest(f.public+"/oauth2/auth", f.clientID, f.redirectURI, "openid offline_access", nil)
	next := authURL
	for hop := 0; hop < 8; hop++ {
		r, err := do(hc, "GET", next, nil, nil)
		if err != nil {
			return tokenSet{}, err
		}
		if !isRedirect(r) {
			return tokenSet{}, fmt.Errorf("GET %s: want a redirect, got %s", next, r)
		}
		loc := r.location(next)
		if code, done, err := codeFrom(loc, f.redirectURI, state); done {
			if err != nil {
				return tokenSet{}, err
			}
			return exchangeCode(hc, f.public+"/oauth2/token", f.clientID, f.redirectURI, code, verifier)
		}
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, f.loginApp) {
			return tokenSet{}, fmt.Errorf("unexpected redirect to %s", loc)
		}
		var post resp
		switch u.Path {
		case "/login":
			post, err = do(hc, "POST", f.loginApp+"/login", nil, map[string]string{
				"login_challenge": u.Query().Get("login_challenge"), "username": user, "password": password})
		case "/consent":
			post, err = do(hc, "POST", f.loginApp+"/consent", nil, map[string]string{
				"consent_challenge": u.Query().Get("consent_challenge")})
		default:
			return tokenSet{}, fmt.Errorf("unexpected redirect to %s", loc)
		}
		if err != nil {
			return tokenSet{}, err
		}
		if !isRedirect(post) {
			return tokenSet{}, fmt.Errorf("POST %s: %s", u.Path, post)
		}
		next = post.location(loc)
	}
	return tokenSet{}, fmt.Errorf("too many redirects")
}
