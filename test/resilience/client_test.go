package resilience

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// The client side of the tests: a user agent and a relying party that
// speak to Gatehouse over plain HTTP, step by step, and report errors
// instead of failing the test (they run in load goroutines). A value is
// "received" only once its response was read to the end and decoded.

// app is a registered client.
type app struct {
	ID       string
	Secret   string
	Redirect string
}

// statusError is an HTTP answer other than the one expected.
type statusError struct {
	Op     string
	Status int
	Body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: status %d: %s", e.Op, e.Status, e.Body) }

// oauthCode returns the error code of an OAuth JSON error body ("" if none).
func (e *statusError) oauthCode() string {
	var v struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	_ = json.Unmarshal([]byte(e.Body), &v)
	if v.Error != "" {
		return v.Error
	}
	return v.Code
}

// browser is a cookie-keeping user agent that never follows redirects, so
// every hop is explicit (and can be sent to a chosen node).
type browser struct {
	base string // Gatehouse's public endpoint
	c    *http.Client
}

func newBrowser(base string, rt http.RoundTripper) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, c: &http.Client{
		Jar: jar, Transport: rt, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// send performs a request and reads the whole answer.
func send(c *http.Client, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return resp, raw, nil
}

// api calls the Experience API as the sign-in page does (same origin) and
// decodes a 2xx answer into out.
func (b *browser) api(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.base)
	resp, raw, err := send(b.c, req)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &statusError{method + " " + path, resp.StatusCode, string(raw)}
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// pkce is one authorization request's verifier and state.
type pkce struct{ verifier, state string }

func newPKCE() pkce {
	var b [32]byte
	_, _ = rand.Read(b[:])
	var s [8]byte
	_, _ = rand.Read(s[:])
	return pkce{verifier: base64.RawURLEncoding.EncodeToString(b[:]), state: base64.RawURLEncoding.EncodeToString(s[:])}
}

func (p pkce) challenge() string {
	sum := sha256.Sum256([]byte(p.verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authURL is an authorization request with PKCE, asking for a refresh
// token (offline_access with prompt=consent, as Logto's SDKs do).
func (b *browser) authURL(a app, p pkce, prompt string) string {
	v := url.Values{"client_id": {a.ID}, "redirect_uri": {a.Redirect}, "response_type": {"code"},
		"scope": {"openid profile offline_access"}, "state": {p.state},
		"code_challenge": {p.challenge()}, "code_challenge_method": {"S256"}}
	if prompt != "" {
		v.Set("prompt", prompt)
	}
	return b.base + "/oidc/auth?" + v.Encode()
}

// get fetches u and returns the response with its Location.
func (b *browser) get(u string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	resp, _, err := send(b.c, req)
	return resp, err
}

// authorize starts a sign-in: it must land on the hosted sign-in page.
func (b *browser) authorize(a app, p pkce) error {
	resp, err := b.get(b.authURL(a, p, "consent"))
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, b.base+"/sign-in") {
		return &statusError{"GET /oidc/auth", resp.StatusCode, "Location " + loc}
	}
	return nil
}

// register creates an account in the current interaction and submits.
func (b *browser) register(username, password string) (string, error) {
	steps := []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/experience", map[string]any{"interactionEvent": "Register"}},
		{"POST", "/api/experience/profile", map[string]any{"type": "username", "value": username}},
		{"POST", "/api/experience/profile", map[string]any{"type": "password", "value": password}},
		{"POST", "/api/experience/identification", map[string]any{}},
	}
	for _, s := range steps {
		if err := b.api(s.method, s.path, s.body, nil); err != nil {
			return "", err
		}
	}
	return b.submit()
}

// signIn verifies a password in the current interaction and submits.
func (b *browser) signIn(username, password string) (string, error) {
	if err := b.api("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil); err != nil {
		return "", err
	}
	var v struct {
		VerificationID string `json:"verificationId"`
	}
	if err := b.api("POST", "/api/experience/verification/password", map[string]any{
		"identifier": map[string]string{"type": "username", "value": username}, "password": password,
	}, &v); err != nil {
		return "", err
	}
	if err := b.api("POST", "/api/experience/identification", map[string]any{"verificationId": v.VerificationID}, nil); err != nil {
		return "", err
	}
	return b.submit()
}

func (b *browser) submit() (string, error) {
	var out struct {
		RedirectTo string `json:"redirectTo"`
	}
	if err := b.api("POST", "/api/experience/submit", nil, &out); err != nil {
		return "", err
	}
	return out.RedirectTo, nil
}

// callback follows u (the resume URL, or an authorization request with a
// session) to the client's redirect URI and returns the code.
func (b *browser) callback(u string, a app, p pkce) (string, error) {
	resp, err := b.get(u)
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, a.Redirect) {
		return "", &statusError{"GET " + u, resp.StatusCode, "Location " + loc}
	}
	parsed, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	q := parsed.Query()
	if q.Get("state") != p.state || q.Get("code") == "" {
		return "", fmt.Errorf("callback %s: state or code wrong", loc)
	}
	return q.Get("code"), nil
}

// tokenSet is a token response.
type tokenSet struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

// token posts to the token endpoint of base.
func token(c *http.Client, base string, form url.Values, a app) (*tokenSet, error) {
	if a.Secret == "" {
		form.Set("client_id", a.ID) // a public client (RFC 6749 §2.3)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a.Secret != "" {
		req.SetBasicAuth(url.QueryEscape(a.ID), url.QueryEscape(a.Secret))
	}
	resp, raw, err := send(c, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{"POST /oidc/token " + form.Get("grant_type"), resp.StatusCode, string(raw)}
	}
	var ts tokenSet
	if err := json.Unmarshal(raw, &ts); err != nil || ts.AccessToken == "" {
		return nil, fmt.Errorf("token response %q: %v", raw, err)
	}
	return &ts, nil
}

func exchange(c *http.Client, base string, a app, code string, p pkce) (*tokenSet, error) {
	return token(c, base, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {a.Redirect}, "code_verifier": {p.verifier}}, a)
}

func refresh(c *http.Client, base string, a app, rt string) (*tokenSet, error) {
	return token(c, base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, a)
}

func clientCredentials(c *http.Client, base string, a app, resource string) (*tokenSet, error) {
	return token(c, base, url.Values{"grant_type": {"client_credentials"}, "resource": {resource}, "scope": {"read"}}, a)
}

// userinfo calls /oidc/me and returns the subject.
func userinfo(c *http.Client, base, accessToken string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/oidc/me", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, raw, err := send(c, req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", &statusError{"GET /oidc/me", resp.StatusCode, string(raw)}
	}
	var v struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Sub == "" {
		return "", fmt.Errorf("userinfo %q: %v", raw, err)
	}
	return v.Sub, nil
}

// signUp runs a whole registration: authorize, register, resume, code
// exchange. It returns the tokens; the browser keeps the session.
func (b *browser) signUp(c *http.Client, a app, username, password string) (*tokenSet, error) {
	p := newPKCE()
	if err := b.authorize(a, p); err != nil {
		return nil, err
	}
	redirectTo, err := b.register(username, password)
	if err != nil {
		return nil, err
	}
	code, err := b.callback(redirectTo, a, p)
	if err != nil {
		return nil, err
	}
	return exchange(c, b.base, a, code, p)
}

// sso asks for a code without showing any UI (prompt=none): it works only
// while the browser's session is alive.
func (b *browser) sso(a app) (string, error) {
	p := newPKCE()
	return b.callback(b.authURL(a, p, "none"), a, p)
}

// jwtHeader decodes a JWT's header.
func jwtHeader(jwt string) (kid, alg string, err error) {
	h, _, ok := strings.Cut(jwt, ".")
	if !ok {
		return "", "", fmt.Errorf("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", "", err
	}
	var v struct{ Kid, Alg string }
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", "", err
	}
	return v.Kid, v.Alg, nil
}

// uniqueName returns a username nobody else has.
func uniqueName(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s_%x", prefix, b[:])
}

// testPassword passes the default password policy.
const testPassword = "Resilient-Harbor-47"
