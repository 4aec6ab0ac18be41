package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var concurrencyTests = []test{
	{"ConsumeCodeOnce", testConcurrentConsumeCode},
	{"RotateTokenOnce", testConcurrentRotateToken},
	{"UpdateNoLostWrites", testConcurrentUpdate},
	{"AddSessionClient", testConcurrentAddSessionClient},
	{"Writers", testConcurrentWriters},
	{"Transactions", testConcurrentTx},
}

const racers = 20

// race runs fn on n goroutines released together and collects their errors.
func race(n int, fn func(i int) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func noErrors(t *testing.T, errs []error, what string) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: goroutine %d: %v", what, i, err)
		}
	}
}

// oneWins fails unless exactly one of the racers' errs is nil and every
// other is loser.
func oneWins(t *testing.T, errs []error, loser error, what string) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, loser):
			t.Fatalf("%s: %v", what, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%s: %d of %d racers won, want exactly 1", what, wins, len(errs))
	}
}

func testConcurrentConsumeCode(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	c := mkCode(t, s, "code", app.ID, u.ID, at(time.Hour))
	results := make([]*store.AuthorizationCode, racers)
	errs := race(racers, func(i int) error {
		var err error
		results[i], err = s.ConsumeAuthorizationCode(ctx, c.Hash, at(time.Duration(i+1)*time.Millisecond))
		return err
	})
	noErrors(t, errs, "consume")
	firstUses := 0
	for _, r := range results {
		if r.ConsumedAt.IsZero() {
			firstUses++
		}
	}
	if firstUses != 1 {
		t.Fatalf("%d of %d concurrent redemptions saw a fresh code, want exactly 1", firstUses, racers)
	}
}

// testConcurrentRotateToken: of concurrent rotations of one refresh token,
// exactly one wins; the others find it gone.
func testConcurrentRotateToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	tok := mkToken(t, s, "rt", app.ID, u.ID, "g", "", at(time.Hour))
	errs := race(racers, func(i int) error {
		next := &store.Token{Hash: hash(fmt.Sprintf("rt-%d", i)), CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
		return s.RotateToken(ctx, tok.Hash, next, at(time.Minute))
	})
	oneWins(t, errs, store.ErrNotFound, "rotate")
}

// testConcurrentUpdate checks that Update* is a real read-modify-write:
// every concurrent append survives.
func testConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mkApp(t, s, "app1")
	errs := race(racers, func(i int) error {
		_, err := s.UpdateApplication(ctx, a.ID, func(a *store.Application) error {
			a.OIDCClientMetadata.RedirectURIs = append(a.OIDCClientMetadata.RedirectURIs, fmt.Sprintf("https://%d.example/cb", i))
			return nil
		})
		return err
	})
	noErrors(t, errs, "update")
	got, err := s.GetApplication(ctx, a.ID)
	ok(t, err, "get")
	if n := len(got.OIDCClientMetadata.RedirectURIs); n != racers+1 {
		t.Fatalf("%d redirect URIs after %d concurrent appends to 1, want %d (lost update)", n, racers, racers+1)
	}
}

func testConcurrentAddSessionClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	mkSession(t, s, "s1", u.ID, at(time.Hour))
	errs := race(racers, func(i int) error {
		return s.AddSessionClient(ctx, "s1", fmt.Sprintf("app%d", i%10))
	})
	noErrors(t, errs, "add client")
	got, err := s.GetSession(ctx, "s1", t0)
	ok(t, err, "get")
	if len(got.ClientIDs) != 10 {
		t.Fatalf("client IDs %v, want the 10 distinct ones", got.ClientIDs)
	}
}

// testConcurrentWriters has 8 goroutines write, and others read, at the same
// time; every call must succeed (no SQLITE_BUSY, no deadlock).
func testConcurrentWriters(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "app1")
	const writers, each = 8, 25
	errs := race(writers*2, func(w int) error {
		if w >= writers { // readers
			for range each {
				if _, _, err := s.ListUsers(ctx, store.Page{}); err != nil {
					return err
				}
			}
			return nil
		}
		for i := range each {
			id := fmt.Sprintf("w%d-%d", w, i)
			if err := s.CreateUser(ctx, &store.User{ID: id, Username: id}); err != nil {
				return err
			}
			tok := &store.Token{Hash: hash(id), Kind: store.TokenAccess, ClientID: app.ID, UserID: id, ExpiresAt: at(time.Hour)}
			if err := s.CreateToken(ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	noErrors(t, errs, "concurrent writes")
	n, err := s.CountUsers(ctx)
	ok(t, err, "count")
	if n != writers*each {
		t.Fatalf("%d users, want %d", n, writers*each)
	}
}

// testConcurrentTx runs read-then-write transactions in parallel: the
// pattern that deadlocks SQLite when transactions start deferred.
func testConcurrentTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	const workers = 8
	errs := race(workers, func(w int) error {
		for i := range 10 {
			err := s.InTx(ctx, func(tx store.Store) error {
				if _, err := tx.CountUsers(ctx); err != nil {
					return err
				}
				return tx.CreateUser(ctx, &store.User{ID: fmt.Sprintf("tx%d-%d", w, i)})
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	noErrors(t, errs, "concurrent transactions")
	n, err := s.CountUsers(ctx)
	ok(t, err, "count")
	if n != workers*10 {
		t.Fatalf("%d users, want %d", n, workers*10)
	}
}
