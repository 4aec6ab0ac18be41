package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var sessionTests = []test{
	{"CreateGet", testSessionCreateGet},
	{"Expiry", testSessionExpiry},
	{"AddClient", testSessionAddClient},
	{"ListUserSessions", testSessionList},
	{"Delete", testSessionDelete},
}

func testSessionCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	want := &store.Session{ID: "s1", UserID: u.ID, AuthTime: at(-time.Minute), AMR: []string{"pwd", "mfa"},
		ClientIDs: []string{"app1"}, CreatedAt: t0, ExpiresAt: at(time.Hour)}
	ok(t, s.CreateSession(ctx, want), "create")
	got, err := s.GetSession(ctx, want.ID, t0)
	ok(t, err, "get")
	equal(t, got, want, "round trip")

	wantErr(t, s.CreateSession(ctx, &store.Session{ID: "s1", UserID: u.ID, ExpiresAt: at(time.Hour)}), store.ErrConflict, "duplicate")
	wantErr(t, s.CreateSession(ctx, &store.Session{ID: "s2", UserID: "missing", ExpiresAt: at(time.Hour)}), store.ErrNotFound, "session of missing user")
	_, err = s.GetSession(ctx, "missing", t0)
	wantErr(t, err, store.ErrNotFound, "get missing")
}

func testSessionExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	mkSession(t, s, "s1", u.ID, at(time.Hour))
	_, err := s.GetSession(ctx, "s1", at(time.Hour-time.Millisecond))
	ok(t, err, "before expiry")
	_, err = s.GetSession(ctx, "s1", at(time.Hour))
	wantErr(t, err, store.ErrNotFound, "at expiry")
}

func testSessionAddClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	mkSession(t, s, "s1", u.ID, at(time.Hour))
	ok(t, s.AddSessionClient(ctx, "s1", "app1"), "add app1")
	ok(t, s.AddSessionClient(ctx, "s1", "app2"), "add app2")
	ok(t, s.AddSessionClient(ctx, "s1", "app1"), "add app1 again")
	got, err := s.GetSession(ctx, "s1", t0)
	ok(t, err, "get")
	equal(t, got.ClientIDs, []string{"app1", "app2"}, "client IDs")
	wantErr(t, s.AddSessionClient(ctx, "missing", "app1"), store.ErrNotFound, "add to missing session")
}

func testSessionList(t *testing.T, s store.Store) {
	ctx := t.Context()
	u, other := mkUser(t, s, "u1"), mkUser(t, s, "u2")
	live1 := store.Session{ID: "a", UserID: u.ID, CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
	live2 := store.Session{ID: "b", UserID: u.ID, CreatedAt: at(2 * time.Minute), ExpiresAt: at(2 * time.Hour)}
	ok(t, s.CreateSession(ctx, &live1), "create")
	ok(t, s.CreateSession(ctx, &live2), "create")
	mkSession(t, s, "expired", u.ID, at(time.Second))
	mkSession(t, s, "others", other.ID, at(time.Hour))

	got, err := s.ListUserSessions(ctx, u.ID, at(time.Minute))
	ok(t, err, "list")
	equal(t, got, []store.Session{live2, live1}, "live sessions, newest first")
	got, err = s.ListUserSessions(ctx, "nobody", t0)
	ok(t, err, "list for unknown user")
	if len(got) != 0 {
		t.Fatalf("unknown user has %d sessions", len(got))
	}
}

func testSessionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	mkSession(t, s, "s1", u.ID, at(time.Hour))
	ok(t, s.DeleteSession(ctx, "s1"), "delete")
	_, err := s.GetSession(ctx, "s1", t0)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteSession(ctx, "s1"), store.ErrNotFound, "delete twice")
}
