package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/rbac"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertion signs a client assertion (RFC 7523 §3) with key and alg;
// mod may change the claims.
func assertion(t *testing.T, key any, alg jose.SignatureAlgorithm, kid, clientID, aud string, mod func(map[string]any)) string {
	t.Helper()
	now := time.Now()
	c := map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "jti": id.New(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	if mod != nil {
		mod(c)
	}
	opts := &jose.SignerOptions{}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts.WithType("JWT"))
	must(t, err)
	payload, _ := json.Marshal(c)
	obj, err := sig.Sign(payload)
	must(t, err)
	raw, err := obj.CompactSerialize()
	must(t, err)
	return raw
}

// TestClientAuthentication: the five methods of OIDC Core §9 against a
// MachineToMachine app's client_credentials grant, the checks on JWT
// assertions (aud, exp, jti replay), the registered method, and several
// secrets with expiry for rotation.
func TestClientAuthentication(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		issuer := srv.URL + "/oidc"
		tokenURL := issuer + "/token"
		rb := &rbac.Service{Store: srv.Store}
		res, err := rb.CreateResource(ctx, "API", "https://api.example.com", 0)
		must(t, err)
		read, err := rb.CreateScope(ctx, res.ID, "read", "")
		must(t, err)
		role, err := rb.CreateRole(ctx, "robot", "", store.RoleMachineToMachine, read.ID)
		must(t, err)

		m2m, secret := srv.CreateApp(t, application.CreateInput{Name: "Robot", Type: store.AppMachineToMachine})
		must(t, rb.AssignApplicationRoles(ctx, m2m.ID, role.ID))
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
		pkj, _ := srv.CreateApp(t, application.CreateInput{Name: "Keyed", Type: store.AppMachineToMachine,
			TokenEndpointAuthMethod: application.MethodPrivateKeyJWT, JWKS: jwks})
		must(t, rb.AssignApplicationRoles(ctx, pkj.ID, role.ID))
		spa, _ := srv.CreateApp(t, application.CreateInput{Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{"http://127.0.0.1:9/cb"}})

		cc := func(form url.Values, basic ...string) (int, []byte) {
			form.Set("grant_type", "client_credentials")
			form.Set("resource", res.Indicator)
			form.Set("scope", "read")
			return postForm(t, tokenURL, form, basic...)
		}
		// x/oauth2 drives the two secret methods.
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			conf := clientcredentials.Config{ClientID: m2m.ID, ClientSecret: secret, TokenURL: tokenURL, AuthStyle: style,
				Scopes: []string{"read"}, EndpointParams: url.Values{"resource": {res.Indicator}}}
			tok, err := conf.Token(ctx)
			if err != nil {
				t.Fatalf("auth style %v: %v", style, err)
			}
			if c := jwtClaims(t, srv, tok.AccessToken); c["scope"] != "read" || c["aud"] != res.Indicator || c["sub"] != m2m.ID {
				t.Fatalf("client_credentials token claims %v", c)
			}
		}
		secretJWT := func(mod func(map[string]any)) string {
			return assertion(t, []byte(secret), jose.HS256, "", m2m.ID, tokenURL, mod)
		}
		keyJWT := func(mod func(map[string]any)) string {
			return assertion(t, key, jose.ES256, "k1", pkj.ID, issuer, mod)
		}
		withAssertion := func(a string) url.Values {
			return url.Values{"client_assertion_type": {jwtBearer}, "client_assertion": {a}}
		}

		replayed := keyJWT(nil)
		otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tests := []struct {
			name   string
			form   url.Values
			basic  []string
			status int
			code   string
		}{
			{"client_secret_basic", url.Values{}, []string{m2m.ID, secret}, 200, ""},
			{"client_secret_post", url.Values{"client_id": {m2m.ID}, "client_secret": {secret}}, nil, 200, ""},
			{"client_secret_jwt", withAssertion(secretJWT(nil)), nil, 200, ""},
			{"private_key_jwt", withAssertion(replayed), nil, 200, ""},
			{"private_key_jwt replayed jti", withAssertion(replayed), nil, 401, "invalid_client"},
			{"assertion wrong audience", withAssertion(keyJWT(func(c map[string]any) { c["aud"] = "https://elsewhere.example" })), nil, 401, "invalid_client"},
			{"assertion expired", withAssertion(keyJWT(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), nil, 401, "invalid_client"},
			{"assertion without exp", withAssertion(keyJWT(func(c map[string]any) { delete(c, "exp") })), nil, 401, "invalid_client"},
			{"assertion without jti", withAssertion(keyJWT(func(c map[string]any) { delete(c, "jti") })), nil, 401, "invalid_client"},
			{"assertion iss is not sub", withAssertion(keyJWT(func(c map[string]any) { c["iss"] = m2m.ID })), nil, 401, "invalid_client"},
			{"assertion signed by another key", withAssertion(assertion(t, otherKey, jose.ES256, "k1", pkj.ID, issuer, nil)), nil, 401, "invalid_client"},
			{"assertion with a wrong secret", withAssertion(assertion(t, []byte("not-the-secret-but-32-bytes-long"), jose.HS256, "", m2m.ID, tokenURL, nil)), nil, 401, "invalid_client"},
			{"wrong assertion type", url.Values{"client_assertion_type": {"urn:other"}, "client_assertion": {secretJWT(nil)}}, nil, 400, "invalid_request"},
			{"registered private_key_jwt, secret sent", url.Values{"client_id": {pkj.ID}, "client_secret": {"x"}}, nil, 401, "invalid_client"},
			{"two methods", url.Values{"client_secret": {secret}}, []string{m2m.ID, secret}, 400, "invalid_request"},
			{"wrong secret", url.Values{}, []string{m2m.ID, "wrong"}, 401, "invalid_client"},
			{"confidential client without credentials", url.Values{"client_id": {m2m.ID}}, nil, 401, "invalid_client"},
			{"public client with a secret", url.Values{"client_id": {spa.ID}, "client_secret": {"x"}}, nil, 401, "invalid_client"},
			{"public client may not use client_credentials", url.Values{"client_id": {spa.ID}}, nil, 400, "unauthorized_client"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				st, body := cc(tc.form, tc.basic...)
				if tc.status == 200 {
					if st != 200 {
						t.Fatalf("%d %s", st, body)
					}
					return
				}
				wantError(t, st, body, tc.status, tc.code)
			})
		}

		// Several secrets with expiry: a new one works beside the old, an
		// expired one does not, a deleted one stops at once.
		second, err := srv.Apps.NewSecret(ctx, m2m.ID, "rotation", time.Now().Add(time.Hour))
		must(t, err)
		expired, err := srv.Apps.NewSecret(ctx, m2m.ID, "old", time.Now().Add(-time.Second))
		must(t, err)
		for s, want := range map[string]int{secret: 200, second: 200, expired: 401} {
			if st, body := cc(url.Values{}, m2m.ID, s); st != want {
				t.Fatalf("secret %q: %d %s, want %d", s[:4], st, body, want)
			}
		}
		// client_secret_jwt works with the new secret too.
		if st, body := cc(withAssertion(assertion(t, []byte(second), jose.HS256, "", m2m.ID, tokenURL, nil))); st != 200 {
			t.Fatalf("client_secret_jwt with the second secret: %d %s", st, body)
		}
		must(t, srv.Store.DeleteApplicationSecret(ctx, m2m.ID, application.DefaultSecretName))
		if st, _ := cc(url.Values{}, m2m.ID, secret); st != 401 {
			t.Fatalf("a deleted secret still authenticates: %d", st)
		}
		// Public clients have no secrets.
		if _, err := srv.Apps.NewSecret(ctx, spa.ID, "x", time.Time{}); err == nil {
			t.Fatal("a public client got a secret")
		}
	})
}
