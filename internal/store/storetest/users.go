package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var userTests = []test{
	{"CreateGet", testUserCreateGet},
	{"Lookups", testUserLookups},
	{"UniqueKeys", testUserUniqueKeys},
	{"EmptyKeysDoNotClash", testUserEmptyKeys},
	{"ListCount", testUserListCount},
	{"Update", testUserUpdate},
	{"UpdateConflict", testUserUpdateConflict},
	{"DeleteCascades", testUserDeleteCascades},
}

func fullUser() *store.User {
	return &store.User{
		ID:            "user1",
		Username:      "alice",
		PrimaryEmail:  "alice@example.com",
		PrimaryPhone:  "+15551234567",
		Name:          "Alice",
		Avatar:        "https://example.com/a.png",
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Profile:       json.RawMessage(`{"givenName":"Alice","locale":"en"}`),
		CustomData:    json.RawMessage(`{"plan":"pro"}`),
		Identities:    json.RawMessage(`{"github":{"userId":"42"}}`),
		IsSuspended:   true,
		EmailVerified: true,
		PhoneVerified: true,
		CreatedAt:     at(time.Second),
		UpdatedAt:     at(2 * time.Second),
		LastSignInAt:  at(3 * time.Second),
	}
}

func testUserCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := fullUser()
	ok(t, s.CreateUser(ctx, want), "create")
	got, err := s.GetUser(ctx, want.ID)
	ok(t, err, "get")
	equal(t, got, want, "round trip")
	_, err = s.GetUser(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")

	// Defaults: ID, CreatedAt, and UpdatedAt = CreatedAt.
	bare := &store.User{}
	ok(t, s.CreateUser(ctx, bare), "create minimal")
	if bare.ID == "" || bare.CreatedAt.IsZero() || !bare.UpdatedAt.Equal(bare.CreatedAt) {
		t.Fatalf("defaults not applied: %+v", bare)
	}
	got, err = s.GetUser(ctx, bare.ID)
	ok(t, err, "get minimal")
	equal(t, got, bare, "minimal round trip")
}

func testUserLookups(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := fullUser()
	ok(t, s.CreateUser(ctx, want), "create")
	mkUser(t, s, "other")

	got, err := s.GetUserByUsername(ctx, "alice")
	ok(t, err, "by username")
	equal(t, got, want, "by username")
	got, err = s.GetUserByEmail(ctx, "alice@example.com")
	ok(t, err, "by email")
	equal(t, got, want, "by email")
	got, err = s.GetUserByEmail(ctx, "Alice@Example.COM")
	ok(t, err, "by email, other case")
	equal(t, got, want, "by email, other case")
	got, err = s.GetUserByPhone(ctx, "+15551234567")
	ok(t, err, "by phone")
	equal(t, got, want, "by phone")

	for name, lookup := range map[string]func() (*store.User, error){
		"username": func() (*store.User, error) { return s.GetUserByUsername(ctx, "bob") },
		"email":    func() (*store.User, error) { return s.GetUserByEmail(ctx, "bob@example.com") },
		"phone":    func() (*store.User, error) { return s.GetUserByPhone(ctx, "+15550000000") },
		// An empty identifier must not match the users who lack one.
		"empty username": func() (*store.User, error) { return s.GetUserByUsername(ctx, "") },
		"empty email":    func() (*store.User, error) { return s.GetUserByEmail(ctx, "") },
		"empty phone":    func() (*store.User, error) { return s.GetUserByPhone(ctx, "") },
	} {
		_, err := lookup()
		wantErr(t, err, store.ErrNotFound, "missing "+name)
	}
}

func testUserUniqueKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser()), "create")
	cases := []struct {
		name string
		u    store.User
	}{
		{"id", store.User{ID: "user1"}},
		{"username", store.User{ID: "u2", Username: "alice"}},
		{"email", store.User{ID: "u3", PrimaryEmail: "alice@example.com"}},
		{"email, other case", store.User{ID: "u4", PrimaryEmail: "ALICE@example.com"}},
		{"phone", store.User{ID: "u5", PrimaryPhone: "+15551234567"}},
	}
	for _, c := range cases {
		wantErr(t, s.CreateUser(ctx, &c.u), store.ErrConflict, "duplicate "+c.name)
	}
	n, err := s.CountUsers(ctx)
	ok(t, err, "count")
	if n != 1 {
		t.Fatalf("%d users after failed creates, want 1", n)
	}
}

func testUserEmptyKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 3 {
		ok(t, s.CreateUser(ctx, &store.User{ID: fmt.Sprintf("u%d", i)}), "create user without identifiers")
	}
	got, err := s.GetUser(ctx, "u0")
	ok(t, err, "get")
	if got.Username != "" || got.PrimaryEmail != "" || got.PrimaryPhone != "" || got.Profile != nil {
		t.Fatalf("empty fields read back as %+v", got)
	}
}

func testUserListCount(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 23 {
		ok(t, s.CreateUser(ctx, &store.User{ID: fmt.Sprintf("u%02d", i), CreatedAt: at(time.Duration(i) * time.Second)}), "create")
	}
	n, err := s.CountUsers(ctx)
	ok(t, err, "count")
	if n != 23 {
		t.Fatalf("count %d, want 23", n)
	}
	page1, total, err := s.ListUsers(ctx, store.Page{Number: 1})
	ok(t, err, "list page 1")
	page2, total2, err := s.ListUsers(ctx, store.Page{Number: 2})
	ok(t, err, "list page 2")
	if total != 23 || total2 != 23 || len(page1) != 20 || len(page2) != 3 {
		t.Fatalf("pages of %d and %d, totals %d and %d; want 20, 3, 23", len(page1), len(page2), total, total2)
	}
	if page1[0].ID != "u22" || page2[2].ID != "u00" {
		t.Fatalf("order: first %s, last %s; want newest first", page1[0].ID, page2[2].ID)
	}
}

func testUserUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := fullUser()
	ok(t, s.CreateUser(ctx, orig), "create")

	// An updater that sets UpdatedAt keeps its value.
	got, err := s.UpdateUser(ctx, orig.ID, func(u *store.User) error {
		u.PrimaryEmail = ""
		u.Username = "alice2"
		u.EmailVerified = false
		u.Profile = nil
		u.LastSignInAt = at(time.Hour)
		u.UpdatedAt = at(time.Hour)
		u.CreatedAt = at(99 * time.Hour)
		return nil
	})
	ok(t, err, "update")
	want := *orig
	want.PrimaryEmail, want.Username, want.EmailVerified, want.Profile = "", "alice2", false, nil
	want.LastSignInAt, want.UpdatedAt = at(time.Hour), at(time.Hour)
	equal(t, got, &want, "returned")
	read, err := s.GetUser(ctx, orig.ID)
	ok(t, err, "get")
	equal(t, read, &want, "read back")
	_, err = s.GetUserByEmail(ctx, "alice@example.com")
	wantErr(t, err, store.ErrNotFound, "cleared email still found")

	// One that leaves it alone gets the current time.
	before := time.Now().Add(-time.Second)
	got, err = s.UpdateUser(ctx, orig.ID, func(u *store.User) error {
		u.Name, u.PasswordHash, u.IsSuspended = "A.", "rehashed", false
		u.LastSignInAt = at(2 * time.Hour)
		return nil
	})
	ok(t, err, "second update")
	if got.UpdatedAt.Before(before) {
		t.Fatalf("UpdatedAt %v not refreshed", got.UpdatedAt)
	}
	want.Name, want.PasswordHash, want.IsSuspended = "A.", "rehashed", false
	want.LastSignInAt, want.UpdatedAt = at(2*time.Hour), got.UpdatedAt
	// Unchanged identifiers stay where the lookups find them.
	read, err = s.GetUserByUsername(ctx, "alice2")
	ok(t, err, "get by username after an update that left it alone")
	equal(t, read, &want, "read back by username")
	read, err = s.GetUserByPhone(ctx, orig.PrimaryPhone)
	ok(t, err, "get by phone")
	equal(t, read, &want, "read back by phone")

	// Changing one identifier moves only that one.
	_, err = s.UpdateUser(ctx, orig.ID, func(u *store.User) error { u.PrimaryPhone = "+15550000000"; return nil })
	ok(t, err, "change phone")
	_, err = s.GetUserByPhone(ctx, orig.PrimaryPhone)
	wantErr(t, err, store.ErrNotFound, "old phone still found")
	read, err = s.GetUserByPhone(ctx, "+15550000000")
	ok(t, err, "get by new phone")
	if read.Username != "alice2" || read.Name != "A." {
		t.Fatalf("phone change lost other fields: %+v", read)
	}

	_, err = s.UpdateUser(ctx, "missing", func(*store.User) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update missing")
}

func testUserUpdateConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	ok(t, s.CreateUser(ctx, fullUser()), "create")
	bob := &store.User{ID: "bob", Username: "bob", PrimaryEmail: "bob@example.com"}
	ok(t, s.CreateUser(ctx, bob), "create bob")
	_, err := s.UpdateUser(ctx, bob.ID, func(u *store.User) error {
		u.PrimaryEmail = "ALICE@example.com"
		return nil
	})
	wantErr(t, err, store.ErrConflict, "take alice's email")
	got, err := s.GetUser(ctx, bob.ID)
	ok(t, err, "get bob")
	if got.PrimaryEmail != "bob@example.com" {
		t.Fatalf("failed update changed email to %q", got.PrimaryEmail)
	}
}

func testUserDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	gone, kept := mkUser(t, s, "gone"), mkUser(t, s, "kept")
	role := mkRole(t, s, "r1", store.RoleUser)
	for _, u := range []*store.User{gone, kept} {
		mkSession(t, s, "sess"+u.ID, u.ID, at(time.Hour))
		mkToken(t, s, "tok"+u.ID, app.ID, u.ID, "grant"+u.ID, "sess"+u.ID, at(time.Hour))
		mkCode(t, s, "code"+u.ID, app.ID, u.ID, at(time.Hour))
		mkGrant(t, s, "g"+u.ID, u.ID, app.ID, time.Time{})
		ok(t, s.AssignUserRoles(ctx, u.ID, []string{role.ID}), "assign")
	}

	ok(t, s.DeleteUser(ctx, gone.ID), "delete")
	_, err := s.GetUser(ctx, gone.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteUser(ctx, gone.ID), store.ErrNotFound, "delete twice")

	_, err = s.GetSession(ctx, "sess"+gone.ID, t0)
	wantErr(t, err, store.ErrNotFound, "session of deleted user")
	_, err = s.GetToken(ctx, hash("tok"+gone.ID), t0)
	wantErr(t, err, store.ErrNotFound, "token of deleted user")
	_, err = s.ConsumeAuthorizationCode(ctx, hash("code"+gone.ID), t0)
	wantErr(t, err, store.ErrNotFound, "code of deleted user")
	_, err = s.GetGrant(ctx, gone.ID, app.ID, t0)
	wantErr(t, err, store.ErrNotFound, "grant of deleted user")
	roles, err := s.ListUserRoles(ctx, gone.ID)
	ok(t, err, "roles of deleted user")
	if len(roles) != 0 {
		t.Fatalf("%d role assignments survived", len(roles))
	}

	_, err = s.GetSession(ctx, "sess"+kept.ID, t0)
	ok(t, err, "kept session")
	_, err = s.GetToken(ctx, hash("tok"+kept.ID), t0)
	ok(t, err, "kept token")
	_, err = s.GetGrant(ctx, kept.ID, app.ID, t0)
	ok(t, err, "kept grant")
	roles, err = s.ListUserRoles(ctx, kept.ID)
	ok(t, err, "kept roles")
	if len(roles) != 1 {
		t.Fatalf("kept user has %d roles", len(roles))
	}
	_, err = s.GetApplication(ctx, app.ID)
	ok(t, err, "app survives")
}
