package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The mk* helpers create a minimal valid record with a given identity and
// fail the test on error; tests that examine creation itself build records
// by hand.

func mkApp(t *testing.T, s store.Store, id string) *store.Application {
	t.Helper()
	a := &store.Application{
		ID:   id,
		Name: "App " + id,
		Type: store.AppTraditional,
		OIDCClientMetadata: store.OIDCClientMetadata{
			RedirectURIs:           []string{"https://app.example/callback"},
			PostLogoutRedirectURIs: []string{},
		},
		CreatedAt: t0,
	}
	ok(t, s.CreateApplication(t.Context(), a), "create application "+id)
	return a
}

func mkUser(t *testing.T, s store.Store, id string) *store.User {
	t.Helper()
	u := &store.User{ID: id, Username: "user_" + id, CreatedAt: t0}
	ok(t, s.CreateUser(t.Context(), u), "create user "+id)
	return u
}

func mkResource(t *testing.T, s store.Store, id string) *store.Resource {
	t.Helper()
	r := &store.Resource{ID: id, Name: "API " + id, Indicator: "https://api.example/" + id, AccessTokenTTL: 3600, CreatedAt: t0}
	ok(t, s.CreateResource(t.Context(), r), "create resource "+id)
	return r
}

func mkScope(t *testing.T, s store.Store, id, resourceID, name string) *store.Scope {
	t.Helper()
	sp := &store.Scope{ID: id, ResourceID: resourceID, Name: name, CreatedAt: t0}
	ok(t, s.CreateScope(t.Context(), sp), "create scope "+id)
	return sp
}

func mkRole(t *testing.T, s store.Store, id, typ string) *store.Role {
	t.Helper()
	r := &store.Role{ID: id, Name: "role " + id, Type: typ, CreatedAt: t0}
	ok(t, s.CreateRole(t.Context(), r), "create role "+id)
	return r
}

func mkSession(t *testing.T, s store.Store, id, userID string, expiresAt time.Time) *store.Session {
	t.Helper()
	ss := &store.Session{ID: id, UserID: userID, AuthTime: t0, AMR: []string{"pwd"}, CreatedAt: t0, ExpiresAt: expiresAt}
	ok(t, s.CreateSession(t.Context(), ss), "create session "+id)
	return ss
}

func mkToken(t *testing.T, s store.Store, label, clientID, userID, grantID, sessionID string, expiresAt time.Time) *store.Token {
	t.Helper()
	tok := &store.Token{
		Hash: hash(label), Kind: store.TokenRefresh, ClientID: clientID, UserID: userID,
		GrantID: grantID, SessionID: sessionID, Scopes: []string{"openid"},
		CreatedAt: t0, ExpiresAt: expiresAt,
	}
	ok(t, s.CreateToken(t.Context(), tok), "create token "+label)
	return tok
}

func mkCode(t *testing.T, s store.Store, label, clientID, userID string, expiresAt time.Time) *store.AuthorizationCode {
	t.Helper()
	c := &store.AuthorizationCode{
		Hash: hash(label), ClientID: clientID, UserID: userID, RedirectURI: "https://app.example/callback",
		Scopes: []string{"openid"}, CreatedAt: t0, ExpiresAt: expiresAt,
	}
	ok(t, s.CreateAuthorizationCode(t.Context(), c), "create code "+label)
	return c
}

func mkGrant(t *testing.T, s store.Store, id, userID, clientID string, expiresAt time.Time) *store.Grant {
	t.Helper()
	g := &store.Grant{ID: id, UserID: userID, ClientID: clientID, Scopes: []string{"openid"}, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: expiresAt}
	ok(t, s.UpsertGrant(t.Context(), g), "upsert grant "+id)
	return g
}

func mkInteraction(t *testing.T, s store.Store, id string, expiresAt time.Time) *store.Interaction {
	t.Helper()
	i := &store.Interaction{
		ID:        id,
		Request:   store.AuthRequest{ClientID: "app", RedirectURI: "https://app.example/cb", ResponseType: "code", Scopes: []string{"openid"}, MaxAge: -1},
		State:     json.RawMessage(`{"step":1}`),
		CreatedAt: t0, UpdatedAt: t0, ExpiresAt: expiresAt,
	}
	ok(t, s.CreateInteraction(t.Context(), i), "create interaction "+id)
	return i
}
