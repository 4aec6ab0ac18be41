package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var oidcTests = []test{
	{"AssertionJTIReplay", testAssertionJTI},
	{"SealedSecrets", testSealedSecrets},
	{"DeleteUserClientTokens", testDeleteUserClientTokens},
	{"LogoutNotices", testLogoutNotices},
}

func testAssertionJTI(t *testing.T, s store.Store) {
	ctx := t.Context()
	ok(t, s.RecordAssertionJTI(ctx, "app1", "j1", at(time.Minute), t0), "first use")
	wantErr(t, s.RecordAssertionJTI(ctx, "app1", "j1", at(time.Minute), at(time.Second)), store.ErrConflict, "replay")
	// Another client may use the same jti: the cache is per issuer.
	ok(t, s.RecordAssertionJTI(ctx, "app2", "j1", at(time.Minute), t0), "other client")
	// Once the first record expired, the jti is free again.
	ok(t, s.RecordAssertionJTI(ctx, "app1", "j1", at(3*time.Minute), at(time.Minute)), "after expiry")
	wantErr(t, s.RecordAssertionJTI(ctx, "app1", "j1", at(3*time.Minute), at(2*time.Minute)), store.ErrConflict, "replay of renewed")
	n, err := s.DeleteExpired(ctx, at(4*time.Minute), 100)
	ok(t, err, "sweep")
	if n < 2 {
		t.Fatalf("swept %d rows, want the two jtis", n)
	}
	ok(t, s.RecordAssertionJTI(ctx, "app2", "j1", at(5*time.Minute), at(4*time.Minute)), "after sweep")
}

func testSealedSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	wantErr(t, s.SealApplicationSecret(ctx, app.ID, "nope", []byte{1}), store.ErrNotFound, "seal of missing secret")
	for _, name := range []string{"a", "b"} {
		ok(t, s.AddApplicationSecret(ctx, &store.ApplicationSecret{ApplicationID: app.ID, Name: name, Hash: hash(name), CreatedAt: t0}), "add secret")
		ok(t, s.SealApplicationSecret(ctx, app.ID, name, []byte("sealed-"+name)), "seal")
	}
	ok(t, s.SealApplicationSecret(ctx, app.ID, "a", []byte("resealed")), "reseal")
	got, err := s.ListSealedApplicationSecrets(ctx, app.ID)
	ok(t, err, "list")
	if len(got) != 2 || !bytes.Equal(got["a"], []byte("resealed")) || !bytes.Equal(got["b"], []byte("sealed-b")) {
		t.Fatalf("sealed = %q", got)
	}
	ok(t, s.DeleteApplicationSecret(ctx, app.ID, "a"), "delete secret")
	got, err = s.ListSealedApplicationSecrets(ctx, app.ID)
	ok(t, err, "list after delete")
	if len(got) != 1 || got["a"] != nil {
		t.Fatalf("a deleted secret kept its sealed copy: %q", got)
	}
	ok(t, s.DeleteApplication(ctx, app.ID), "delete app")
	got, err = s.ListSealedApplicationSecrets(ctx, app.ID)
	ok(t, err, "list after app delete")
	if len(got) != 0 {
		t.Fatalf("a deleted app kept sealed secrets: %q", got)
	}
}

func testDeleteUserClientTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	a1, a2 := mkApp(t, s, "app1"), mkApp(t, s, "app2")
	u1, u2 := mkUser(t, s, "u1"), mkUser(t, s, "u2")
	mkToken(t, s, "t1", a1.ID, u1.ID, "g1", "s1", at(time.Hour))
	mkToken(t, s, "t2", a1.ID, u1.ID, "g2", "s1", at(time.Hour))
	mkToken(t, s, "t3", a2.ID, u1.ID, "g3", "s1", at(time.Hour))
	mkToken(t, s, "t4", a1.ID, u2.ID, "g4", "s2", at(time.Hour))
	n, err := s.DeleteUserClientTokens(ctx, u1.ID, a1.ID)
	ok(t, err, "delete")
	if n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	for label, live := range map[string]bool{"t1": false, "t2": false, "t3": true, "t4": true} {
		_, err := s.GetToken(ctx, hash(label), t0)
		if (err == nil) != live {
			t.Fatalf("token %s: err %v, want live=%v", label, err, live)
		}
	}
}

func testLogoutNotices(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	mk := func(id string, next time.Duration) store.LogoutNotice {
		return store.LogoutNotice{ID: id, ClientID: app.ID, URI: "https://rp.example/bcl", UserID: "u1", SID: "sid-" + id,
			NextAttemptAt: at(next), CreatedAt: t0, ExpiresAt: at(time.Hour)}
	}
	want := []store.LogoutNotice{mk("n1", 0), mk("n2", time.Second), mk("n3", time.Minute)}
	ok(t, s.InTx(ctx, func(tx store.Store) error { return tx.EnqueueLogoutNotices(ctx, want) }), "enqueue")

	// Due at t0+1s: n1 and n2, leased for 30 s.
	got, err := s.ClaimLogoutNotices(ctx, at(time.Second), 30*time.Second, 10)
	ok(t, err, "claim")
	if len(got) != 2 {
		t.Fatalf("claimed %d notices, want 2", len(got))
	}
	byID := map[string]store.LogoutNotice{}
	for _, n := range got {
		byID[n.ID] = n
	}
	w := want[0]
	w.NextAttemptAt = at(31 * time.Second)
	equal(t, byID["n1"], w, "claimed notice")
	// Leased notices are not claimed again until the lease ends.
	got, err = s.ClaimLogoutNotices(ctx, at(2*time.Second), 30*time.Second, 10)
	ok(t, err, "claim during lease")
	if len(got) != 0 {
		t.Fatalf("claimed %d leased notices", len(got))
	}
	ok(t, s.DeleteLogoutNotice(ctx, "n1"), "delete")
	wantErr(t, s.DeleteLogoutNotice(ctx, "n1"), store.ErrNotFound, "delete twice")
	ok(t, s.RetryLogoutNotice(ctx, "n2", 1, at(5*time.Second)), "retry")
	wantErr(t, s.RetryLogoutNotice(ctx, "nope", 1, t0), store.ErrNotFound, "retry missing")
	got, err = s.ClaimLogoutNotices(ctx, at(time.Minute), 30*time.Second, 1)
	ok(t, err, "claim with limit")
	if len(got) != 1 || got[0].ID != "n2" || got[0].Attempts != 1 {
		t.Fatalf("claim with limit 1 = %+v, want n2 (oldest due) with one attempt", got)
	}
	// Expired notices are never claimed, and the sweeper removes them.
	got, err = s.ClaimLogoutNotices(ctx, at(2*time.Hour), time.Second, 10)
	ok(t, err, "claim expired")
	if len(got) != 0 {
		t.Fatalf("claimed %d expired notices", len(got))
	}
	_, err = s.DeleteExpired(ctx, at(2*time.Hour), 100)
	ok(t, err, "sweep")
	wantErr(t, s.DeleteLogoutNotice(ctx, "n3"), store.ErrNotFound, "swept notice")
	// Deleting the app drops its notices.
	ok(t, s.EnqueueLogoutNotices(ctx, []store.LogoutNotice{mk("n4", 0)}), "enqueue again")
	ok(t, s.DeleteApplication(ctx, app.ID), "delete app")
	wantErr(t, s.DeleteLogoutNotice(ctx, "n4"), store.ErrNotFound, "notice of a deleted app")
}
