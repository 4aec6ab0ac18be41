package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// signInTests cover store.SignInData: sign-in experience documents,
// verification codes, rate-limit counters and lockouts.
var signInTests = []test{
	{"SignInExperience/CreateAndUpdate", testSignInExperienceUpdate},
	{"SignInExperience/FailedUpdateRollsBack", testSignInExperienceRollback},
	{"SignInExperience/ConcurrentUpdates", testSignInExperienceConcurrent},
	{"VerificationCode/RoundTrip", testVerificationCodeRoundTrip},
	{"VerificationCode/Attempts", testVerificationCodeAttempts},
	{"VerificationCode/ExpiredAndConsumed", testVerificationCodeExpiredConsumed},
	{"VerificationCode/ConcurrentAttempts", testVerificationCodeConcurrentAttempts},
	{"VerificationCode/ConcurrentConsume", testVerificationCodeConcurrentConsume},
	{"RateCounter/Windows", testRateCounter},
	{"RateCounter/Concurrent", testRateCounterConcurrent},
	{"Lockout/Lifecycle", testLockout},
	{"Lockout/Concurrent", testLockoutConcurrent},
	{"DeleteExpired", testSignInDeleteExpired},
}

func testSignInExperienceUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	wantErr(t, err, store.ErrNotFound, "get before the first write")

	created, err := s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, at(time.Minute), func(e *store.SignInExperience) error {
		if e.Settings != nil || e.Version != 0 {
			t.Errorf("a missing document reaches update as %+v", e)
		}
		e.Settings = json.RawMessage(`{"signInMode":"SignIn"}`)
		return nil
	})
	ok(t, err, "create")
	want := &store.SignInExperience{ID: store.DefaultSignInExperienceID, Settings: json.RawMessage(`{"signInMode":"SignIn"}`),
		Version: 1, UpdatedAt: at(time.Minute)}
	equal(t, created, want, "created document")
	got, err := s.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	ok(t, err, "get")
	equal(t, got, want, "read back")

	updated, err := s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, at(2*time.Minute), func(e *store.SignInExperience) error {
		if string(e.Settings) != `{"signInMode":"SignIn"}` || e.Version != 1 {
			t.Errorf("update sees %s version %d", e.Settings, e.Version)
		}
		e.Settings = json.RawMessage(`{"signInMode":"Register"}`)
		e.Version = 99 // ignored: the store owns the version
		return nil
	})
	ok(t, err, "update")
	if updated.Version != 2 || string(updated.Settings) != `{"signInMode":"Register"}` || !updated.UpdatedAt.Equal(at(2*time.Minute)) {
		t.Fatalf("updated = %+v", updated)
	}
	_, err = s.GetSignInExperience(ctx, "other")
	wantErr(t, err, store.ErrNotFound, "another ID")
}

func testSignInExperienceRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	boom := errors.New("boom")
	_, err := s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, t0, func(e *store.SignInExperience) error { return boom })
	wantErr(t, err, boom, "failed create")
	_, err = s.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	wantErr(t, err, store.ErrNotFound, "nothing was created")

	_, err = s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, t0, func(e *store.SignInExperience) error {
		e.Settings = json.RawMessage(`{"v":1}`)
		return nil
	})
	ok(t, err, "create")
	_, err = s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, at(time.Minute), func(e *store.SignInExperience) error {
		e.Settings = json.RawMessage(`{"v":2}`)
		return boom
	})
	wantErr(t, err, boom, "failed update")
	got, err := s.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	ok(t, err, "get")
	if string(got.Settings) != `{"v":1}` || got.Version != 1 {
		t.Fatalf("a failed update changed the document: %+v", got)
	}
}

// testSignInExperienceConcurrent has every racer append to a list in the
// document: with read-modify-write serialised, none is lost.
func testSignInExperienceConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	errs := race(racers, func(i int) error {
		_, err := s.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, t0, func(e *store.SignInExperience) error {
			var doc struct{ Items []int }
			if e.Settings != nil {
				if err := json.Unmarshal(e.Settings, &doc); err != nil {
					return err
				}
			}
			doc.Items = append(doc.Items, i)
			raw, err := json.Marshal(doc)
			e.Settings = raw
			return err
		})
		return err
	})
	noErrors(t, errs, "update")
	got, err := s.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	ok(t, err, "get")
	var doc struct{ Items []int }
	ok(t, json.Unmarshal(got.Settings, &doc), "decode")
	if len(doc.Items) != racers || got.Version != racers {
		t.Fatalf("%d items, version %d; want %d of each", len(doc.Items), got.Version, racers)
	}
}

func mkVerificationCode(t *testing.T, s store.Store, id string, expiresAt time.Time) *store.VerificationCode {
	t.Helper()
	c := &store.VerificationCode{ID: id, InteractionID: "int1", IdentifierType: "email", Identifier: "a@example.com",
		Purpose: "SignIn", Hash: hash("code-" + id), CreatedAt: t0, ExpiresAt: expiresAt}
	ok(t, s.CreateVerificationCode(t.Context(), c), "create verification code "+id)
	return c
}

func testVerificationCodeRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := mkVerificationCode(t, s, "vc1", at(10*time.Minute))
	got, err := s.GetVerificationCode(ctx, "vc1")
	ok(t, err, "get")
	equal(t, got, want, "round trip")

	dup := *want
	wantErr(t, s.CreateVerificationCode(ctx, &dup), store.ErrConflict, "duplicate ID")
	_, err = s.GetVerificationCode(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")
	_, _, err = s.AttemptVerificationCode(ctx, "missing", 5, t0)
	wantErr(t, err, store.ErrNotFound, "attempt missing")
	wantErr(t, s.ConsumeVerificationCode(ctx, "missing", t0), store.ErrNotFound, "consume missing")

	ok(t, s.DeleteVerificationCode(ctx, "vc1"), "delete")
	_, err = s.GetVerificationCode(ctx, "vc1")
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteVerificationCode(ctx, "vc1"), store.ErrNotFound, "delete again")
}

func testVerificationCodeAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mkVerificationCode(t, s, "vc1", at(10*time.Minute))
	for i := range 3 {
		got, counted, err := s.AttemptVerificationCode(ctx, c.ID, 3, at(time.Minute))
		ok(t, err, "attempt")
		if !counted || got.Attempts != i || !slices.Equal(got.Hash, c.Hash) {
			t.Fatalf("attempt %d: counted=%v attempts=%d", i+1, counted, got.Attempts)
		}
	}
	got, counted, err := s.AttemptVerificationCode(ctx, c.ID, 3, at(time.Minute))
	ok(t, err, "attempt past the limit")
	if counted || got.Attempts != 3 {
		t.Fatalf("attempt past the limit: counted=%v attempts=%d", counted, got.Attempts)
	}
	// A higher limit (a policy change) lets it go on.
	_, counted, err = s.AttemptVerificationCode(ctx, c.ID, 4, at(time.Minute))
	ok(t, err, "attempt under a higher limit")
	if !counted {
		t.Fatal("attempt under a higher limit was not counted")
	}
}

func testVerificationCodeExpiredConsumed(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mkVerificationCode(t, s, "vc1", at(10*time.Minute))
	got, counted, err := s.AttemptVerificationCode(ctx, c.ID, 5, at(10*time.Minute))
	ok(t, err, "attempt at expiry")
	if counted || got.Attempts != 0 {
		t.Fatalf("expired attempt: counted=%v attempts=%d", counted, got.Attempts)
	}
	wantErr(t, s.ConsumeVerificationCode(ctx, c.ID, at(10*time.Minute)), store.ErrNotFound, "consume at expiry")

	ok(t, s.ConsumeVerificationCode(ctx, c.ID, at(time.Minute)), "consume")
	wantErr(t, s.ConsumeVerificationCode(ctx, c.ID, at(2*time.Minute)), store.ErrNotFound, "consume twice")
	got, counted, err = s.AttemptVerificationCode(ctx, c.ID, 5, at(2*time.Minute))
	ok(t, err, "attempt after consumption")
	if counted || !got.ConsumedAt.Equal(at(time.Minute)) {
		t.Fatalf("attempt after consumption: counted=%v consumedAt=%v", counted, got.ConsumedAt)
	}
}

func testVerificationCodeConcurrentAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mkVerificationCode(t, s, "vc1", at(10*time.Minute))
	counted := make([]bool, racers)
	errs := race(racers, func(i int) error {
		var err error
		_, counted[i], err = s.AttemptVerificationCode(ctx, c.ID, 5, at(time.Minute))
		return err
	})
	noErrors(t, errs, "attempt")
	n := 0
	for _, c := range counted {
		if c {
			n++
		}
	}
	got, err := s.GetVerificationCode(ctx, c.ID)
	ok(t, err, "get")
	if n != 5 || got.Attempts != 5 {
		t.Fatalf("%d attempts counted, %d stored; want 5", n, got.Attempts)
	}
}

func testVerificationCodeConcurrentConsume(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mkVerificationCode(t, s, "vc1", at(10*time.Minute))
	errs := race(racers, func(i int) error { return s.ConsumeVerificationCode(ctx, c.ID, at(time.Minute)) })
	oneWins(t, errs, store.ErrNotFound, "consume")
}

func testRateCounter(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := 1; i <= 3; i++ {
		n, err := s.IncrementRateCounter(ctx, "k1", at(time.Duration(i)*time.Second), at(time.Minute))
		ok(t, err, "increment")
		if n != i {
			t.Fatalf("increment %d = %d", i, n)
		}
	}
	n, err := s.IncrementRateCounter(ctx, "k2", t0, at(time.Minute))
	ok(t, err, "other key")
	if n != 1 {
		t.Fatalf("other key = %d", n)
	}
	// At expiry the counter starts again, with the new expiry.
	n, err = s.IncrementRateCounter(ctx, "k1", at(time.Minute), at(2*time.Minute))
	ok(t, err, "increment after expiry")
	if n != 1 {
		t.Fatalf("after expiry = %d, want 1", n)
	}
	n, err = s.IncrementRateCounter(ctx, "k1", at(90*time.Second), at(3*time.Minute))
	ok(t, err, "increment in the new window")
	if n != 2 {
		t.Fatalf("new window = %d, want 2", n)
	}
	// The new window's expiry (2m) held: at 2m it restarts again.
	n, err = s.IncrementRateCounter(ctx, "k1", at(2*time.Minute), at(3*time.Minute))
	ok(t, err, "increment at the new expiry")
	if n != 1 {
		t.Fatalf("at the new expiry = %d, want 1", n)
	}
}

func testRateCounterConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	counts := make([]int, racers)
	errs := race(racers, func(i int) error {
		var err error
		counts[i], err = s.IncrementRateCounter(ctx, "k", t0, at(time.Minute))
		return err
	})
	noErrors(t, errs, "increment")
	slices.Sort(counts)
	for i, n := range counts {
		if n != i+1 {
			t.Fatalf("counts %v: every value 1..%d must be returned once", counts, racers)
		}
	}
}

func testLockout(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetLockout(ctx, "k", t0)
	wantErr(t, err, store.ErrNotFound, "get missing")

	fail := func(now time.Time) *store.Lockout {
		t.Helper()
		l, err := s.UpdateLockout(ctx, "k", now, func(l *store.Lockout) error {
			l.Failures++
			if l.Failures >= 2 {
				l.LockedUntil = now.Add(time.Minute)
			}
			l.ExpiresAt = now.Add(time.Hour)
			return nil
		})
		ok(t, err, "update")
		return l
	}
	first := fail(t0)
	equal(t, first, &store.Lockout{Key: "k", Failures: 1, UpdatedAt: t0, ExpiresAt: at(time.Hour)}, "first failure")
	second := fail(at(time.Second))
	want := &store.Lockout{Key: "k", Failures: 2, LockedUntil: at(time.Second + time.Minute), UpdatedAt: at(time.Second), ExpiresAt: at(time.Second + time.Hour)}
	equal(t, second, want, "second failure")
	got, err := s.GetLockout(ctx, "k", at(time.Minute))
	ok(t, err, "get")
	equal(t, got, want, "read back")

	boom := errors.New("boom")
	_, err = s.UpdateLockout(ctx, "k", at(2*time.Second), func(l *store.Lockout) error { l.Failures = 100; return boom })
	wantErr(t, err, boom, "failed update")
	got, _ = s.GetLockout(ctx, "k", at(time.Minute))
	if got.Failures != 2 {
		t.Fatalf("a failed update changed the record: %+v", got)
	}

	// Once expired, the record is hidden and starts afresh.
	_, err = s.GetLockout(ctx, "k", at(time.Second+time.Hour))
	wantErr(t, err, store.ErrNotFound, "get expired")
	if l := fail(at(2 * time.Hour)); l.Failures != 1 || !l.LockedUntil.IsZero() {
		t.Fatalf("after expiry: %+v", l)
	}

	ok(t, s.DeleteLockout(ctx, "k"), "delete")
	_, err = s.GetLockout(ctx, "k", at(2*time.Hour))
	wantErr(t, err, store.ErrNotFound, "get deleted")
	ok(t, s.DeleteLockout(ctx, "k"), "delete missing")

	// A failed first update leaves nothing behind.
	_, err = s.UpdateLockout(ctx, "fresh", t0, func(l *store.Lockout) error { return boom })
	wantErr(t, err, boom, "failed first update")
	_, err = s.GetLockout(ctx, "fresh", t0)
	wantErr(t, err, store.ErrNotFound, "nothing was created")
}

func testLockoutConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	errs := race(racers, func(i int) error {
		_, err := s.UpdateLockout(ctx, "k", t0, func(l *store.Lockout) error {
			l.Failures++
			l.ExpiresAt = at(time.Hour)
			return nil
		})
		return err
	})
	noErrors(t, errs, "update")
	got, err := s.GetLockout(ctx, "k", t0)
	ok(t, err, "get")
	if got.Failures != racers {
		t.Fatalf("%d failures recorded, want %d", got.Failures, racers)
	}
}

func testSignInDeleteExpired(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := at(time.Hour)
	for i := range 3 {
		mkVerificationCode(t, s, fmt.Sprint("old", i), at(time.Minute))
		_, err := s.IncrementRateCounter(ctx, fmt.Sprint("old", i), t0, at(time.Minute))
		ok(t, err, "counter")
		_, err = s.UpdateLockout(ctx, fmt.Sprint("old", i), t0, func(l *store.Lockout) error { l.ExpiresAt = at(time.Minute); return nil })
		ok(t, err, "lockout")
	}
	mkVerificationCode(t, s, "live", at(2*time.Hour))
	_, err := s.IncrementRateCounter(ctx, "live", t0, at(2*time.Hour))
	ok(t, err, "live counter")
	_, err = s.UpdateLockout(ctx, "live", t0, func(l *store.Lockout) error { l.ExpiresAt = at(2 * time.Hour); return nil })
	ok(t, err, "live lockout")

	total := 0
	for {
		n, err := s.DeleteExpired(ctx, now, 2)
		ok(t, err, "delete expired")
		total += n
		if n < 2 {
			break
		}
	}
	if total != 9 {
		t.Fatalf("swept %d rows, want 9", total)
	}
	_, err = s.GetVerificationCode(ctx, "live")
	ok(t, err, "live code survives")
	_, err = s.GetLockout(ctx, "live", now)
	ok(t, err, "live lockout survives")
	n, err := s.IncrementRateCounter(ctx, "live", now, at(2*time.Hour))
	ok(t, err, "live counter")
	if n != 2 {
		t.Fatalf("live counter = %d after the sweep, want 2", n)
	}
	_, err = s.GetVerificationCode(ctx, "old0")
	wantErr(t, err, store.ErrNotFound, "expired code swept")
}
