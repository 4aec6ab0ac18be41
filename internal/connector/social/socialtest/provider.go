// Package socialtest is a minimal OpenID provider for tests of social
// sign-in: discovery, JWKS, an authorization endpoint that answers at once
// (as if the user had signed in), a token endpoint that checks the client
// secret, the redirect URI and PKCE, and userinfo.
package socialtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Provider is a running test IdP.
type Provider struct {
	*httptest.Server
	ClientID     string
	ClientSecret string

	mu sync.Mutex
	// Subject and Claims describe the user who "signs in" next.
	Subject string
	Claims  map[string]any
	// Deny makes the next authorization answer error=access_denied.
	Deny bool
	// NonceOverride, when set, replaces the nonce in the next ID token.
	NonceOverride string
	// TokenRequests counts calls to the token endpoint.
	TokenRequests int

	key   *ecdsa.PrivateKey
	codes map[string]grant
}

type grant struct {
	redirectURI, challenge, nonce, subject string
	claims                                 map[string]any
}

// New starts a provider; it stops when the test ends.
func New(t testing.TB) *Provider {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: "client-1", ClientSecret: "secret-1", Subject: "sub-1", Claims: map[string]any{},
		key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// SetUser sets who signs in next.
func (p *Provider) SetUser(subject string, claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Subject, p.Claims = subject, claims
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"jwks_uri": p.URL + "/jwks", "userinfo_endpoint": p.URL + "/userinfo",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	out := url.Values{"state": {q.Get("state")}}
	if p.Deny {
		p.Deny = false
		out.Set("error", "access_denied")
	} else {
		code := rand.Text()
		p.codes[code] = grant{redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			nonce: q.Get("nonce"), subject: p.Subject, claims: maps.Clone(p.Claims)}
		out.Set("code", code)
	}
	p.mu.Unlock()
	redirect.RawQuery = out.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.TokenRequests++
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != p.ClientID || secret != p.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	g, found := p.codes[r.PostFormValue("code")]
	delete(p.codes, r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !found || g.redirectURI != r.PostFormValue("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	nonce := g.nonce
	if p.NonceOverride != "" {
		nonce, p.NonceOverride = p.NonceOverride, ""
	}
	claims := maps.Clone(g.claims)
	if claims == nil {
		claims = map[string]any{}
	}
	now := time.Now()
	maps.Copy(claims, map[string]any{"iss": p.URL, "sub": g.subject, "aud": p.ClientID, "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	writeJSON(w, http.StatusOK, map[string]any{"access_token": "at-" + g.subject, "token_type": "Bearer",
		"expires_in": 3600, "id_token": p.sign(claims)})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
}

func (p *Provider) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

// Callback follows an authorization URL the way a browser would and
// returns the query the provider sent back to the redirect URI.
func (p *Provider) Callback(t testing.TB, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
