package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var tokenTests = []test{
	{"CreateGet", testTokenCreateGet},
	{"ClientCredentials", testTokenNoUser},
	{"Expiry", testTokenExpiry},
	{"Rotate", testTokenRotate},
	{"RevokeLiveGrant", testTokenRevokeLiveGrant},
	{"EmbeddedAccess", testTokenEmbeddedAccess},
	{"HeldAccess", testTokenHeldAccess},
	{"Extend", testTokenExtend},
	{"Delete", testTokenDelete},
	{"DeleteFamilies", testTokenDeleteFamilies},
}

func testTokenCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	want := &store.Token{
		Hash: hash("t1"), Kind: store.TokenRefresh, ClientID: app.ID, UserID: u.ID, GrantID: "g1", SessionID: "s1",
		Scopes: []string{"openid", "offline_access"}, Resources: []string{"https://api.example"},
		AuthTime: at(-time.Minute), AMR: []string{"pwd"}, FirstIssuedAt: at(-24 * time.Hour),
		CreatedAt: t0, ExpiresAt: at(14 * 24 * time.Hour),
	}
	ok(t, s.CreateToken(ctx, want), "create")
	got, err := s.GetToken(ctx, want.Hash, t0)
	ok(t, err, "get")
	equal(t, got, want, "round trip")

	dup := *want
	wantErr(t, s.CreateToken(ctx, &dup), store.ErrConflict, "duplicate hash")
	_, err = s.GetToken(ctx, hash("missing"), t0)
	wantErr(t, err, store.ErrNotFound, "get missing")
	wantErr(t, s.CreateToken(ctx, &store.Token{Hash: hash("t2"), Kind: store.TokenAccess, ClientID: "no-such-app", ExpiresAt: at(time.Hour)}),
		store.ErrNotFound, "token for missing client")
}

// testTokenNoUser covers client-credentials tokens, which belong to an app
// and no user.
func testTokenNoUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "m2m")
	want := &store.Token{Hash: hash("cc"), Kind: store.TokenAccess, ClientID: app.ID, Resources: []string{"https://api.example"}, CreatedAt: t0, ExpiresAt: at(time.Hour)}
	ok(t, s.CreateToken(ctx, want), "create")
	got, err := s.GetToken(ctx, want.Hash, t0)
	ok(t, err, "get")
	equal(t, got, want, "round trip")
}

func testTokenExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	tok := mkToken(t, s, "t", app.ID, "", "", "", at(time.Hour))
	_, err := s.GetToken(ctx, tok.Hash, at(time.Hour-time.Millisecond))
	ok(t, err, "before expiry")
	_, err = s.GetToken(ctx, tok.Hash, at(time.Hour))
	wantErr(t, err, store.ErrNotFound, "at expiry")
	err = s.RotateToken(ctx, tok.Hash, &store.Token{Hash: hash("t2"), ExpiresAt: at(3 * time.Hour)}, at(2*time.Hour))
	wantErr(t, err, store.ErrNotFound, "rotate expired")
	got, err := s.GetToken(ctx, tok.Hash, t0)
	ok(t, err, "get after the expired rotation attempt")
	equal(t, got, tok, "an expired rotation attempt changes nothing")
}

func testTokenRotate(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	tok := mkToken(t, s, "rt", app.ID, u.ID, "g1", "s1", at(time.Hour))
	next := &store.Token{Hash: hash("rt2"), CreatedAt: at(time.Minute), ExpiresAt: at(2 * time.Hour)}
	ok(t, s.RotateToken(ctx, tok.Hash, next, at(time.Minute)), "rotate")
	_, err := s.GetToken(ctx, tok.Hash, at(time.Minute))
	wantErr(t, err, store.ErrNotFound, "old value after rotation")
	got, err := s.GetToken(ctx, next.Hash, at(time.Minute))
	ok(t, err, "new value")
	want := *tok
	want.Hash, want.CreatedAt, want.ExpiresAt = next.Hash, next.CreatedAt, next.ExpiresAt
	equal(t, got, &want, "the chain keeps its row, with the new hash and times")

	// The loser of two rotations of one value, a consumed, an expired and
	// an access token all find nothing to rotate.
	err = s.RotateToken(ctx, tok.Hash, &store.Token{Hash: hash("rt3"), ExpiresAt: at(time.Hour)}, at(time.Minute))
	wantErr(t, err, store.ErrNotFound, "rotate a rotated-out value")
	// A zero ExpiresAt keeps the row's, which then still applies.
	keep := &store.Token{Hash: hash("rt2b"), CreatedAt: at(2 * time.Minute)}
	ok(t, s.RotateToken(ctx, next.Hash, keep, at(2*time.Minute)), "rotate keeping the expiry")
	got, err = s.GetToken(ctx, keep.Hash, at(2*time.Minute))
	ok(t, err, "value rotated keeping the expiry")
	want.Hash, want.CreatedAt = keep.Hash, keep.CreatedAt
	equal(t, got, &want, "the chain's row with the new hash and time, and its expiry")
	err = s.RotateToken(ctx, keep.Hash, &store.Token{Hash: hash("rt4"), ExpiresAt: at(3 * time.Hour)}, at(3*time.Hour))
	wantErr(t, err, store.ErrNotFound, "rotate an expired token")
	consumed := &store.Token{Hash: hash("consumed"), Kind: store.TokenRefresh, ClientID: app.ID, UserID: u.ID,
		GrantID: "g2", CreatedAt: t0, ExpiresAt: at(time.Hour), ConsumedAt: at(time.Minute)}
	ok(t, s.CreateToken(ctx, consumed), "create a consumed (legacy) refresh token")
	err = s.RotateToken(ctx, consumed.Hash, &store.Token{Hash: hash("rt5"), ExpiresAt: at(time.Hour)}, at(time.Minute))
	wantErr(t, err, store.ErrNotFound, "rotate a consumed token")
	access := &store.Token{Hash: hash("at"), Kind: store.TokenAccess, ClientID: app.ID, UserID: u.ID,
		GrantID: "g3", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	ok(t, s.CreateToken(ctx, access), "create access token")
	err = s.RotateToken(ctx, access.Hash, &store.Token{Hash: hash("rt6"), ExpiresAt: at(time.Hour)}, at(time.Minute))
	wantErr(t, err, store.ErrNotFound, "rotate an access token")
}

// testTokenEmbeddedAccess: an access token held in its refresh token's row
// is found by its own hash with its own scopes and expiry, is replaced by a
// rotation (and held apart), can be revoked alone, goes with its chain, and keeps the row
// from the sweeper while it lives.
func testTokenEmbeddedAccess(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	rt := &store.Token{Hash: hash("rt"), Kind: store.TokenRefresh, ClientID: app.ID, UserID: u.ID,
		GrantID: "g1", SessionID: "s1", Scopes: []string{"openid", "offline_access", "read"},
		Resources: []string{"https://api.example"}, AuthTime: t0, AMR: []string{"pwd"},
		FirstIssuedAt: t0, CreatedAt: t0, ExpiresAt: at(2 * time.Hour),
		Access: &store.EmbeddedAccess{Hash: hash("at1"), Scopes: []string{"openid"}, ExpiresAt: at(time.Hour)}}
	ok(t, s.CreateToken(ctx, rt), "create refresh token holding an access token")

	got, err := s.GetToken(ctx, hash("at1"), at(time.Minute))
	ok(t, err, "get the held access token")
	equal(t, got, &store.Token{Hash: hash("at1"), Kind: store.TokenAccess, ClientID: app.ID, UserID: u.ID,
		GrantID: "g1", SessionID: "s1", Scopes: []string{"openid"}, AuthTime: t0, AMR: []string{"pwd"},
		CreatedAt: t0, ExpiresAt: at(time.Hour)}, "the held access token")
	gotRT, err := s.GetToken(ctx, rt.Hash, at(time.Minute))
	ok(t, err, "get the refresh token")
	equal(t, gotRT, rt, "the refresh token with what it holds")
	_, err = s.GetToken(ctx, hash("at1"), at(time.Hour))
	wantErr(t, err, store.ErrNotFound, "the held access token after its own expiry")

	// A refresh rotates the row and replaces the access token; a zero
	// ExpiresAt keeps the chain's expiry.
	next := &store.Token{Hash: hash("rt2"), CreatedAt: at(time.Minute),
		Access: &store.EmbeddedAccess{Hash: hash("at2"), Scopes: []string{"openid"}, ExpiresAt: at(61 * time.Minute)}}
	ok(t, s.RotateToken(ctx, rt.Hash, next, at(time.Minute)), "rotate with a new access token")
	gotRT, err = s.GetToken(ctx, hash("rt2"), at(time.Minute))
	ok(t, err, "get the rotated refresh token")
	if !gotRT.ExpiresAt.Equal(rt.ExpiresAt) || !gotRT.CreatedAt.Equal(at(time.Minute)) {
		t.Fatalf("rotated refresh token created %v, expires %v; want %v, kept %v",
			gotRT.CreatedAt, gotRT.ExpiresAt, at(time.Minute), rt.ExpiresAt)
	}
	_, err = s.GetToken(ctx, hash("at1"), at(2*time.Minute))
	ok(t, err, "the replaced access token, still valid (testTokenHeldAccess)")
	_, err = s.GetToken(ctx, hash("at2"), at(2*time.Minute))
	ok(t, err, "the new access token")
	// Without an access token (a JWT was issued) the held one stays.
	ok(t, s.RotateToken(ctx, hash("rt2"), &store.Token{Hash: hash("rt3"), CreatedAt: at(2 * time.Minute),
		ExpiresAt: at(2 * time.Hour)}, at(2*time.Minute)), "rotate keeping the access token")
	_, err = s.GetToken(ctx, hash("at2"), at(3*time.Minute))
	ok(t, err, "the kept access token")

	// The sweeper keeps the row while the access token lives, even past
	// the refresh token's expiry.
	rt4 := &store.Token{Hash: hash("rt4"), Kind: store.TokenRefresh, ClientID: app.ID, UserID: u.ID, GrantID: "g2",
		CreatedAt: t0, ExpiresAt: at(time.Minute),
		Access: &store.EmbeddedAccess{Hash: hash("at4"), ExpiresAt: at(time.Hour)}}
	ok(t, s.CreateToken(ctx, rt4), "create a short refresh token holding a longer access token")
	_, err = s.DeleteExpired(ctx, at(30*time.Minute), 0)
	ok(t, err, "sweep")
	_, err = s.GetToken(ctx, hash("at4"), at(30*time.Minute))
	ok(t, err, "access token of an expired refresh token, after a sweep")
	_, err = s.GetToken(ctx, rt4.Hash, at(30*time.Minute))
	wantErr(t, err, store.ErrNotFound, "the expired refresh token")
	_, err = s.DeleteExpired(ctx, at(90*time.Minute), 0)
	ok(t, err, "sweep later")
	_, err = s.GetToken(ctx, hash("at4"), at(30*time.Minute))
	wantErr(t, err, store.ErrNotFound, "the row once both expired")

	// Revoking the access token alone leaves the refresh token.
	ok(t, s.DeleteToken(ctx, hash("at2")), "revoke the held access token")
	_, err = s.GetToken(ctx, hash("at2"), at(3*time.Minute))
	wantErr(t, err, store.ErrNotFound, "the revoked access token")
	_, err = s.GetToken(ctx, hash("rt3"), at(3*time.Minute))
	ok(t, err, "its refresh token")
	wantErr(t, s.DeleteToken(ctx, hash("at2")), store.ErrNotFound, "revoke it again")

	// Revoking the chain takes the access token along.
	ok(t, s.RotateToken(ctx, hash("rt3"), &store.Token{Hash: hash("rt3"), CreatedAt: at(2 * time.Minute),
		ExpiresAt: at(2 * time.Hour), Access: &store.EmbeddedAccess{Hash: hash("at5"), ExpiresAt: at(time.Hour)}},
		at(3*time.Minute)), "renew without rotating")
	n, err := s.DeleteGrantTokens(ctx, "g1")
	ok(t, err, "revoke the chain")
	if n != 1 {
		t.Fatalf("revoked %d rows, want the chain's one", n)
	}
	_, err = s.GetToken(ctx, hash("at5"), at(3*time.Minute))
	wantErr(t, err, store.ErrNotFound, "the access token of a revoked chain")
}

// testTokenHeldAccess: an access token that a rotation displaces from its
// chain's row while it lives stays valid: found by its hash with the
// chain's fields and its own scopes, times and expiry, through further
// rotations; it can be revoked alone, dies with its chain whichever way
// the chain goes, and is swept once expired.
func testTokenHeldAccess(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	// chain creates a refresh token whose row holds access token atLabel,
	// issued a minute after t0 for an hour.
	chain := func(label, grant, session, userID, atLabel string) {
		t.Helper()
		ok(t, s.CreateToken(ctx, &store.Token{Hash: hash(label), Kind: store.TokenRefresh, ClientID: app.ID,
			UserID: userID, GrantID: grant, SessionID: session, Scopes: []string{"openid", "offline_access"},
			AuthTime: t0, AMR: []string{"pwd"}, FirstIssuedAt: t0, CreatedAt: at(time.Minute), ExpiresAt: at(2 * time.Hour),
			Access: &store.EmbeddedAccess{Hash: hash(atLabel), Scopes: []string{"openid"}, ExpiresAt: at(time.Hour)}}),
			"create chain "+label)
	}
	// renew renews the refresh token in place with a new access token.
	renew := func(label, atLabel string, when time.Duration) {
		t.Helper()
		ok(t, s.RotateToken(ctx, hash(label), &store.Token{Hash: hash(label), CreatedAt: at(when),
			ExpiresAt: at(2 * time.Hour), Access: &store.EmbeddedAccess{Hash: hash(atLabel), Scopes: []string{"openid"},
				ExpiresAt: at(when + time.Hour)}}, at(when)), "renew "+label)
	}
	gone := func(label, what string) {
		t.Helper()
		_, err := s.GetToken(ctx, hash(label), at(5*time.Minute))
		wantErr(t, err, store.ErrNotFound, what)
	}
	chain("rt1", "g1", "s1", u.ID, "at1")
	renew("rt1", "at2", 2*time.Minute)
	got, err := s.GetToken(ctx, hash("at1"), at(3*time.Minute))
	ok(t, err, "get the displaced access token")
	equal(t, got, &store.Token{Hash: hash("at1"), Kind: store.TokenAccess, ClientID: app.ID, UserID: u.ID,
		GrantID: "g1", SessionID: "s1", Scopes: []string{"openid"}, AuthTime: t0, AMR: []string{"pwd"},
		CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}, "the displaced access token")
	_, err = s.GetToken(ctx, hash("at2"), at(3*time.Minute))
	ok(t, err, "the access token that displaced it")
	_, err = s.GetToken(ctx, hash("at1"), at(time.Hour))
	wantErr(t, err, store.ErrNotFound, "the displaced access token at its expiry")

	// Further rotations leave it; revoking it alone leaves the chain.
	ok(t, s.RotateToken(ctx, hash("rt1"), &store.Token{Hash: hash("rt1b"), CreatedAt: at(3 * time.Minute),
		ExpiresAt: at(2 * time.Hour), Access: &store.EmbeddedAccess{Hash: hash("at3"), ExpiresAt: at(time.Hour)}},
		at(3*time.Minute)), "rotate the chain")
	for _, label := range []string{"at1", "at2", "at3"} {
		_, err = s.GetToken(ctx, hash(label), at(4*time.Minute))
		ok(t, err, label+" after a rotation")
	}
	ok(t, s.DeleteToken(ctx, hash("at1")), "revoke a displaced access token")
	gone("at1", "the revoked access token")
	wantErr(t, s.DeleteToken(ctx, hash("at1")), store.ErrNotFound, "revoke it again")
	_, err = s.GetToken(ctx, hash("rt1b"), at(4*time.Minute))
	ok(t, err, "its chain")

	// An access token already expired is not kept.
	ok(t, s.CreateToken(ctx, &store.Token{Hash: hash("rt9"), Kind: store.TokenRefresh, ClientID: app.ID, UserID: u.ID,
		GrantID: "g9", CreatedAt: t0, ExpiresAt: at(2 * time.Hour),
		Access: &store.EmbeddedAccess{Hash: hash("at9"), ExpiresAt: at(time.Minute)}}), "create a short access token")
	renew("rt9", "at9b", 2*time.Minute)
	wantErr(t, s.DeleteToken(ctx, hash("at9")), store.ErrNotFound, "revoke an expired access token that was replaced")

	// It goes with its chain, whichever way the chain goes.
	_, err = s.DeleteSessionTokens(ctx, "s1")
	ok(t, err, "end the session")
	gone("at2", "displaced access token of an ended session")
	chain("rt4", "g4", "s4", u.ID, "at4")
	renew("rt4", "at4b", 2*time.Minute)
	_, err = s.DeleteGrantTokens(ctx, "g4")
	ok(t, err, "revoke the grant")
	gone("at4", "displaced access token of a revoked grant")
	chain("rt5", "g5", "s5", u.ID, "at5")
	renew("rt5", "at5b", 2*time.Minute)
	n, err := s.RevokeLiveGrant(ctx, "g5", at(4*time.Minute))
	ok(t, err, "revoke the live grant")
	if n != 1 {
		t.Fatalf("revoked %d rows, want the chain's one", n)
	}
	gone("at5", "displaced access token of a chain revoked for reuse")
	u2 := mkUser(t, s, "u2")
	chain("rt6", "g6", "s6", u2.ID, "at6")
	renew("rt6", "at6b", 2*time.Minute)
	_, err = s.GetToken(ctx, hash("at6"), at(5*time.Minute))
	ok(t, err, "displaced access token of the second user")
	ok(t, s.DeleteUser(ctx, u2.ID), "delete the user")
	gone("at6", "displaced access token of a deleted user")

	// Expired ones are swept, with or without their chain.
	chain("rt7", "g7", "s7", u.ID, "at7")
	renew("rt7", "at7b", 2*time.Minute)
	swept, err := s.DeleteExpired(ctx, at(90*time.Minute), 0)
	ok(t, err, "sweep")
	if swept < 5 {
		t.Fatalf("swept %d rows, want at least the 5 displaced ones", swept)
	}
	_, err = s.GetToken(ctx, hash("rt7"), at(5*time.Minute))
	ok(t, err, "the chain stays")
	gone("at7", "a swept access token")
}

func testTokenRevokeLiveGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	mkToken(t, s, "live-rt", app.ID, u.ID, "live", "s1", at(time.Hour))
	liveAT := &store.Token{Hash: hash("live-at"), Kind: store.TokenAccess, ClientID: app.ID, UserID: u.ID,
		GrantID: "live", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	ok(t, s.CreateToken(ctx, liveAT), "create access token")
	// A grant whose refresh token has expired keeps its access token.
	mkToken(t, s, "old-rt", app.ID, u.ID, "old", "s1", at(time.Minute))
	oldAT := &store.Token{Hash: hash("old-at"), Kind: store.TokenAccess, ClientID: app.ID, UserID: u.ID,
		GrantID: "old", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	ok(t, s.CreateToken(ctx, oldAT), "create access token")

	n, err := s.RevokeLiveGrant(ctx, "old", at(2*time.Minute))
	ok(t, err, "revoke a grant without a live refresh token")
	if n != 0 {
		t.Fatalf("revoked %d tokens of a grant without a live refresh token", n)
	}
	_, err = s.GetToken(ctx, oldAT.Hash, at(2*time.Minute))
	ok(t, err, "its access token stays")
	n, err = s.RevokeLiveGrant(ctx, "live", at(2*time.Minute))
	ok(t, err, "revoke a live grant")
	if n != 2 {
		t.Fatalf("revoked %d tokens, want 2", n)
	}
	_, err = s.GetToken(ctx, liveAT.Hash, at(2*time.Minute))
	wantErr(t, err, store.ErrNotFound, "access token of the revoked grant")
	n, err = s.RevokeLiveGrant(ctx, "missing", t0)
	ok(t, err, "revoke an unknown grant")
	if n != 0 {
		t.Fatalf("revoked %d tokens of an unknown grant", n)
	}
}

func testTokenExtend(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	tok := mkToken(t, s, "t", app.ID, "", "", "", at(time.Hour))
	ok(t, s.ExtendToken(ctx, tok.Hash, at(3*time.Hour)), "extend")
	got, err := s.GetToken(ctx, tok.Hash, at(2*time.Hour))
	ok(t, err, "get after extension")
	if !got.ExpiresAt.Equal(at(3 * time.Hour)) {
		t.Fatalf("ExpiresAt %v, want %v", got.ExpiresAt, at(3*time.Hour))
	}
	wantErr(t, s.ExtendToken(ctx, hash("missing"), at(time.Hour)), store.ErrNotFound, "extend missing")
}

func testTokenDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	tok := mkToken(t, s, "t", app.ID, "", "", "", at(time.Hour))
	mkToken(t, s, "other", app.ID, "", "", "", at(time.Hour))
	ok(t, s.DeleteToken(ctx, tok.Hash), "delete")
	_, err := s.GetToken(ctx, tok.Hash, t0)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteToken(ctx, tok.Hash), store.ErrNotFound, "delete twice")
	_, err = s.GetToken(ctx, hash("other"), t0)
	ok(t, err, "other survives")
}

func testTokenDeleteFamilies(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	mkToken(t, s, "g1a", app.ID, u.ID, "g1", "s1", at(time.Hour))
	mkToken(t, s, "g1b", app.ID, u.ID, "g1", "s2", at(time.Hour))
	mkToken(t, s, "g1c", app.ID, u.ID, "g1", "s2", at(-time.Hour)) // expired, not yet swept
	mkToken(t, s, "g2a", app.ID, u.ID, "g2", "s1", at(time.Hour))
	mkToken(t, s, "none", app.ID, u.ID, "", "", at(time.Hour))

	n, err := s.DeleteGrantTokens(ctx, "g1")
	ok(t, err, "delete grant g1")
	if n != 3 {
		t.Fatalf("deleted %d tokens of g1, want 3", n)
	}
	n, err = s.DeleteGrantTokens(ctx, "g1")
	ok(t, err, "delete g1 again")
	if n != 0 {
		t.Fatalf("second delete removed %d", n)
	}
	_, err = s.GetToken(ctx, hash("g2a"), t0)
	ok(t, err, "other family survives")

	n, err = s.DeleteSessionTokens(ctx, "s1")
	ok(t, err, "delete session s1")
	if n != 1 {
		t.Fatalf("deleted %d tokens of s1, want 1 (g2a)", n)
	}
	n, err = s.DeleteSessionTokens(ctx, "")
	ok(t, err, "delete session with empty ID")
	if n != 0 {
		t.Fatalf("empty session ID matched %d tokens without a session", n)
	}
	n, err = s.DeleteGrantTokens(ctx, "")
	ok(t, err, "delete grant with empty ID")
	if n != 0 {
		t.Fatalf("empty grant ID matched %d tokens without a grant", n)
	}
	_, err = s.GetToken(ctx, hash("none"), t0)
	ok(t, err, "token without grant or session survives")
}
