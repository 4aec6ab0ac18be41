package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var txTests = []test{
	{"Commit", testTxCommit},
	{"RollbackLeavesNothing", testTxRollback},
	{"RollbackAfterStoreError", testTxRollbackStoreError},
	{"ReadsOwnWrites", testTxReadsOwnWrites},
	{"NestedJoinsOuter", testTxNested},
	{"PanicRollsBack", testTxPanic},
}

func testTxCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Store) error {
		mkApp(t, tx, "app1")
		mkUser(t, tx, "u1")
		return tx.UpsertGrant(ctx, &store.Grant{ID: "g1", UserID: "u1", ClientID: "app1"})
	})
	ok(t, err, "InTx")
	_, err = s.GetGrant(ctx, "u1", "app1", t0)
	ok(t, err, "grant visible after commit")
}

func testTxRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "existing")
	sentinel := errors.New("abort")
	err := s.InTx(ctx, func(tx store.Store) error {
		mkApp(t, tx, "app1")
		mkUser(t, tx, "u1")
		mkSession(t, tx, "s1", "u1", at(time.Hour))
		mkToken(t, tx, "tok", "app1", "u1", "g", "s1", at(time.Hour))
		if _, err := tx.UpdateUser(ctx, "existing", func(u *store.User) error { u.Name = "changed"; return nil }); err != nil {
			return err
		}
		ok(t, tx.DeleteUser(ctx, "existing"), "delete inside tx")
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("InTx returned %v, want the callback's error unchanged", err)
	}
	_, err = s.GetApplication(ctx, "app1")
	wantErr(t, err, store.ErrNotFound, "app after rollback")
	_, err = s.GetUser(ctx, "u1")
	wantErr(t, err, store.ErrNotFound, "user after rollback")
	_, err = s.GetSession(ctx, "s1", t0)
	wantErr(t, err, store.ErrNotFound, "session after rollback")
	_, err = s.GetToken(ctx, hash("tok"), t0)
	wantErr(t, err, store.ErrNotFound, "token after rollback")
	u, err := s.GetUser(ctx, "existing")
	ok(t, err, "deleted user is back")
	if u.Name != "" {
		t.Fatalf("update inside rolled-back tx stuck: %q", u.Name)
	}
	n, err := s.CountUsers(ctx)
	ok(t, err, "count")
	if n != 1 {
		t.Fatalf("%d users after rollback, want 1", n)
	}
}

func testTxRollbackStoreError(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkApp(t, s, "dup")
	err := s.InTx(ctx, func(tx store.Store) error {
		mkUser(t, tx, "u1")
		return tx.CreateApplication(ctx, &store.Application{ID: "dup", Name: "x", Type: store.AppSPA})
	})
	wantErr(t, err, store.ErrConflict, "InTx with conflicting insert")
	_, err = s.GetUser(ctx, "u1")
	wantErr(t, err, store.ErrNotFound, "user after rollback")
}

func testTxReadsOwnWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Store) error {
		mkApp(t, tx, "app1")
		a, err := tx.GetApplication(ctx, "app1")
		if err != nil {
			return err
		}
		if a.Name != "App app1" {
			t.Errorf("read inside tx: %+v", a)
		}
		// Update* opens its own transaction outside InTx; inside it must join.
		if _, err := tx.UpdateApplication(ctx, "app1", func(a *store.Application) error { a.Name = "in tx"; return nil }); err != nil {
			return err
		}
		apps, total, err := tx.ListApplications(ctx, store.Page{})
		if err != nil {
			return err
		}
		if total != 1 || apps[0].Name != "in tx" {
			t.Errorf("list inside tx: %d, %+v", total, apps)
		}
		return nil
	})
	ok(t, err, "InTx")
	a, err := s.GetApplication(ctx, "app1")
	ok(t, err, "get after commit")
	if a.Name != "in tx" {
		t.Fatalf("name %q after commit", a.Name)
	}
}

func testTxNested(t *testing.T, s store.Store) {
	ctx := t.Context()
	sentinel := errors.New("outer abort")
	err := s.InTx(ctx, func(tx store.Store) error {
		mkApp(t, tx, "outer")
		err := tx.InTx(ctx, func(inner store.Store) error {
			mkApp(t, inner, "inner")
			_, err := inner.GetApplication(ctx, "outer")
			return err
		})
		if err != nil {
			return err
		}
		if _, err := tx.GetApplication(ctx, "inner"); err != nil {
			t.Errorf("outer does not see inner write: %v", err)
		}
		return sentinel
	})
	if err != sentinel {
		t.Fatalf("InTx returned %v", err)
	}
	for _, id := range []string{"outer", "inner"} {
		_, err := s.GetApplication(ctx, id)
		wantErr(t, err, store.ErrNotFound, id+" after outer rollback")
	}

	// An inner error comes back unchanged through the outer call.
	innerErr := errors.New("inner abort")
	err = s.InTx(ctx, func(tx store.Store) error {
		return tx.InTx(ctx, func(inner store.Store) error {
			mkApp(t, inner, "x")
			return innerErr
		})
	})
	if err != innerErr {
		t.Fatalf("nested error: got %v", err)
	}
	_, err = s.GetApplication(ctx, "x")
	wantErr(t, err, store.ErrNotFound, "inner write after rollback")

	ok(t, s.InTx(ctx, func(tx store.Store) error {
		return tx.InTx(ctx, func(inner store.Store) error { mkApp(t, inner, "committed"); return nil })
	}), "nested commit")
	_, err = s.GetApplication(ctx, "committed")
	ok(t, err, "nested commit visible")
}

func testTxPanic(t *testing.T, s store.Store) {
	ctx := t.Context()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic was swallowed")
			}
		}()
		_ = s.InTx(ctx, func(tx store.Store) error {
			mkApp(t, tx, "app1")
			panic("boom")
		})
	}()
	_, err := s.GetApplication(ctx, "app1")
	wantErr(t, err, store.ErrNotFound, "write before panic")
	// The transaction's connection must have been released.
	mkApp(t, s, "app2")
}
