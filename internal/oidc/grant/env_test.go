package grant

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/signing"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/token"
)

const issuer = "http://localhost:3001/oidc"

// env is a real SQLite store, real keys and a clock the test moves.
type env struct {
	t     *testing.T
	st    store.Store
	keys  *signing.Manager
	now   time.Time
	deps  Deps
	spa   *store.Application
	web   *store.Application
	m2m   *store.Application
	user  *store.User
	api   *store.Resource
	other *store.Resource
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "grant.db"))
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
	if err := keys.EnsureKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, keys: keys, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	e.deps = Deps{Store: st, Minter: &token.Minter{Issuer: issuer, Signer: keys}, Now: func() time.Time { return e.now }}
	ctx := t.Context()
	mk := func(id, typ string) *store.Application {
		a := &store.Application{ID: id, Name: id, Type: typ, CreatedAt: e.now,
			OIDCClientMetadata: store.OIDCClientMetadata{RedirectURIs: []string{"https://app.example/cb"}, PostLogoutRedirectURIs: []string{}}}
		if typ == store.AppMachineToMachine {
			a.OIDCClientMetadata.RedirectURIs = []string{}
		}
		must(t, st.CreateApplication(ctx, a))
		return a
	}
	e.spa, e.web, e.m2m = mk("spa", store.AppSPA), mk("web", store.AppTraditional), mk("m2m", store.AppMachineToMachine)
	e.user = &store.User{ID: "user1", Username: "ada", PrimaryEmail: "ada@example.com", Name: "Ada", CreatedAt: e.now, UpdatedAt: e.now}
	must(t, st.CreateUser(ctx, e.user))
	e.api = &store.Resource{ID: "res1", Name: "API", Indicator: "https://api.example.com", AccessTokenTTL: 600, CreatedAt: e.now}
	e.other = &store.Resource{ID: "res2", Name: "Other", Indicator: "https://other.example.com", CreatedAt: e.now}
	must(t, st.CreateResource(ctx, e.api))
	must(t, st.CreateResource(ctx, e.other))
	for _, s := range []string{"read", "write", "admin"} {
		must(t, st.CreateScope(ctx, &store.Scope{ID: "sc-" + s, ResourceID: e.api.ID, Name: s, CreatedAt: e.now}))
	}
	must(t, st.CreateRole(ctx, &store.Role{ID: "r-user", Name: "reader", Type: store.RoleUser, CreatedAt: e.now}))
	must(t, st.AddRoleScopes(ctx, "r-user", []string{"sc-read"}))
	must(t, st.AssignUserRoles(ctx, e.user.ID, []string{"r-user"}))
	must(t, st.CreateRole(ctx, &store.Role{ID: "r-m2m", Name: "robot", Type: store.RoleMachineToMachine, CreatedAt: e.now}))
	must(t, st.AddRoleScopes(ctx, "r-m2m", []string{"sc-read", "sc-write"}))
	must(t, st.AssignApplicationRoles(ctx, e.m2m.ID, []string{"r-m2m"}))
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

const verifier = "a-very-long-verifier-value-0123456789-abcdefgh"

// code stores an authorization code for client and returns its value.
func (e *env) code(client *store.Application, mutate func(c *store.AuthorizationCode)) string {
	plain, hash := token.NewOpaque()
	c := &store.AuthorizationCode{
		Hash: hash, ClientID: client.ID, UserID: e.user.ID, SessionID: "sess-1", GrantID: "grant-" + plain[:8],
		RedirectURI: "https://app.example/cb", CodeChallenge: oauth.S256Challenge(verifier), CodeChallengeMethod: "S256",
		Scopes: []string{"openid", "profile", "email", "offline_access"}, Nonce: "nonce-1",
		AuthTime: e.now.Add(-time.Minute), AMR: []string{"pwd"}, CreatedAt: e.now, ExpiresAt: e.now.Add(token.CodeTTL),
	}
	if mutate != nil {
		mutate(c)
	}
	must(e.t, e.st.CreateAuthorizationCode(e.t.Context(), c))
	return plain
}

func (e *env) exchange(g Grant, client *store.Application, params url.Values) (*Response, error) {
	return g.Exchange(e.t.Context(), &Request{Client: client, Params: params})
}

func wantOAuth(t *testing.T, err error, code string) {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// claims verifies a JWT with our keys and decodes its payload.
func (e *env) claims(tok string) map[string]any {
	e.t.Helper()
	p, err := e.keys.Verify(tok)
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	var m map[string]any
	must(e.t, json.Unmarshal(p, &m))
	return m
}

func (e *env) tokenExists(plain string) bool {
	_, err := e.st.GetToken(e.t.Context(), token.Hash(plain), e.now)
	return err == nil
}
