package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var expireTests = []test{
	{"Batches", testDeleteExpired},
}

// testDeleteExpired fills every short-lived table with expired, live and
// never-expiring rows, then sweeps in small batches.
func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(time.Hour)
	past, future := at(time.Minute), at(2*time.Hour)
	app := mkApp(t, s, "app1")
	u := mkUser(t, s, "u1")
	expired := 0
	for i := range 2 {
		sfx := fmt.Sprint(i)
		mkInteraction(t, s, "int-exp"+sfx, past)
		mkSession(t, s, "sess-exp"+sfx, u.ID, past)
		mkCode(t, s, "code-exp"+sfx, app.ID, u.ID, past)
		mkToken(t, s, "tok-exp"+sfx, app.ID, u.ID, "", "", past)
		expired += 4
	}
	// Expiry exactly at now counts as expired, as the Get methods hide it.
	mkToken(t, s, "tok-exp-now", app.ID, u.ID, "", "", now)
	grantApp := mkApp(t, s, "app2")
	mkGrant(t, s, "grant-exp", u.ID, grantApp.ID, past)
	expired += 2

	mkInteraction(t, s, "int-live", future)
	mkSession(t, s, "sess-live", u.ID, future)
	mkSession(t, s, "sess-forever", u.ID, time.Time{})
	mkCode(t, s, "code-live", app.ID, u.ID, future)
	mkToken(t, s, "tok-live", app.ID, u.ID, "", "", future)
	mkToken(t, s, "tok-forever", app.ID, u.ID, "", "", time.Time{})
	mkGrant(t, s, "grant-forever", u.ID, app.ID, time.Time{})

	n, err := s.DeleteExpired(ctx, now, 3)
	ok(t, err, "first batch")
	if n != 3 {
		t.Fatalf("first batch deleted %d, want the limit 3", n)
	}
	total := n
	for range expired {
		n, err = s.DeleteExpired(ctx, now, 3)
		ok(t, err, "batch")
		if n > 3 {
			t.Fatalf("batch deleted %d, over the limit 3", n)
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total != expired {
		t.Fatalf("deleted %d rows in total, want %d", total, expired)
	}

	// Expired rows are gone: look at a time when they would still be live.
	for i := range 2 {
		sfx := fmt.Sprint(i)
		_, err := s.GetInteraction(ctx, "int-exp"+sfx, t0)
		wantErr(t, err, store.ErrNotFound, "swept interaction")
		_, err = s.GetSession(ctx, "sess-exp"+sfx, t0)
		wantErr(t, err, store.ErrNotFound, "swept session")
		_, err = s.ConsumeAuthorizationCode(ctx, hash("code-exp"+sfx), t0)
		wantErr(t, err, store.ErrNotFound, "swept code")
		_, err = s.GetToken(ctx, hash("tok-exp"+sfx), t0)
		wantErr(t, err, store.ErrNotFound, "swept token")
	}
	_, err = s.GetGrant(ctx, u.ID, grantApp.ID, t0)
	wantErr(t, err, store.ErrNotFound, "swept grant")

	_, err = s.GetInteraction(ctx, "int-live", now)
	ok(t, err, "live interaction")
	for _, id := range []string{"sess-live", "sess-forever"} {
		_, err = s.GetSession(ctx, id, now)
		ok(t, err, id)
	}
	for _, label := range []string{"tok-live", "tok-forever"} {
		_, err = s.GetToken(ctx, hash(label), now)
		ok(t, err, label)
	}
	_, err = s.ConsumeAuthorizationCode(ctx, hash("code-live"), now)
	ok(t, err, "live code")
	_, err = s.GetGrant(ctx, u.ID, app.ID, now)
	ok(t, err, "grant without expiry")
	_, err = s.GetApplication(ctx, app.ID)
	ok(t, err, "app untouched")
}
