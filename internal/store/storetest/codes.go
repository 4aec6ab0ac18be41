package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var codeTests = []test{
	{"ConsumeOnce", testCodeConsumeOnce},
	{"Expired", testCodeExpired},
	{"Errors", testCodeErrors},
}

func testCodeConsumeOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	want := &store.AuthorizationCode{
		Hash: hash("code1"), ClientID: app.ID, UserID: u.ID, SessionID: "sess1", GrantID: "grant1",
		RedirectURI: "https://app.example/cb", CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256", Scopes: []string{"openid", "offline_access"}, Resources: []string{"https://api.example"},
		Nonce: "n-0S6_WzA2Mj", AuthTime: at(-time.Minute), AMR: []string{"pwd"}, CreatedAt: t0, ExpiresAt: at(10 * time.Minute),
	}
	ok(t, s.CreateAuthorizationCode(ctx, want), "create")

	first, err := s.ConsumeAuthorizationCode(ctx, want.Hash, at(time.Minute))
	ok(t, err, "first consume")
	equal(t, first, want, "first consume returns the code as it was")

	second, err := s.ConsumeAuthorizationCode(ctx, want.Hash, at(2*time.Minute))
	ok(t, err, "second consume")
	replayed := *want
	replayed.ConsumedAt = at(time.Minute)
	equal(t, second, &replayed, "second consume shows the first use and changes nothing")

	third, err := s.ConsumeAuthorizationCode(ctx, want.Hash, at(3*time.Minute))
	ok(t, err, "third consume")
	if !third.ConsumedAt.Equal(at(time.Minute)) {
		t.Fatalf("replay moved ConsumedAt to %v", third.ConsumedAt)
	}
}

func testCodeExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	c := mkCode(t, s, "c", app.ID, u.ID, at(10*time.Minute))
	_, err := s.ConsumeAuthorizationCode(ctx, c.Hash, at(10*time.Minute))
	wantErr(t, err, store.ErrNotFound, "consume at expiry")
	// The failed attempt must not have consumed it.
	got, err := s.ConsumeAuthorizationCode(ctx, c.Hash, at(10*time.Minute-time.Millisecond))
	ok(t, err, "consume before expiry")
	if !got.ConsumedAt.IsZero() {
		t.Fatal("expired consume attempt marked the code consumed")
	}
}

func testCodeErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	c := mkCode(t, s, "c", app.ID, u.ID, at(time.Hour))
	dup := *c
	wantErr(t, s.CreateAuthorizationCode(ctx, &dup), store.ErrConflict, "duplicate hash")
	_, err := s.ConsumeAuthorizationCode(ctx, hash("missing"), t0)
	wantErr(t, err, store.ErrNotFound, "consume missing")
	bad := &store.AuthorizationCode{Hash: hash("other"), ClientID: "no-such-app", UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)}
	wantErr(t, s.CreateAuthorizationCode(ctx, bad), store.ErrNotFound, "code for missing client")
}
