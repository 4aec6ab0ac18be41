package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// TestGroupCommit starts many transactions at once, so that they share
// batches: each one's outcome must be its own. A transaction that returns an
// error or panics leaves nothing behind, even when it wrote before failing,
// and the others in its batch are kept; a cancelled caller gets its context
// error and writes nothing, and one that goes while its transaction runs
// does not cut it short: its writes, and its batch, commit.
func TestGroupCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "g.db"))
	ctx := t.Context()
	app := &store.Application{ID: "app", Name: "batch", Type: store.AppSPA}
	if err := s.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errBoom := errors.New("boom")
	hash := func(i, k int) []byte { return fmt.Appendf(nil, "tx-%03d-%d", i, k) }
	outcome := func(i int) string {
		switch i % 5 {
		case 1:
			return "error"
		case 2:
			return "panic"
		case 3:
			return "cancelled"
		case 4:
			return "gone during"
		}
		return "ok"
	}
	var wg sync.WaitGroup
	results := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Go(func() {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if outcome(i) == "cancelled" {
				cancel()
			}
			defer func() { panics[i] = recover() }()
			results[i] = s.InTx(cctx, func(tx store.Store) error {
				for k := range 2 { // two writes, so a failure has something to undo
					if k == 1 && outcome(i) == "gone during" {
						cancel()
					}
					if err := tx.CreateToken(cctx, &store.Token{Hash: hash(i, k), Kind: store.TokenAccess,
						ClientID: app.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
						return err
					}
				}
				switch outcome(i) {
				case "error":
					return errBoom
				case "panic":
					panic("boom")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		var want error
		switch outcome(i) {
		case "error":
			want = errBoom
		case "cancelled":
			want = context.Canceled
		}
		if outcome(i) == "panic" {
			if panics[i] != "boom" {
				t.Errorf("tx %d: panic %v, want it re-raised to the caller", i, panics[i])
			}
		} else if !errors.Is(results[i], want) {
			t.Errorf("tx %d (%s): err %v, want %v", i, outcome(i), results[i], want)
		}
		for k := range 2 {
			_, err := s.GetToken(ctx, hash(i, k), time.Now())
			if kept := err == nil; kept != (outcome(i) == "ok" || outcome(i) == "gone during") {
				t.Errorf("tx %d (%s) write %d: kept=%v (err %v)", i, outcome(i), k, kept, err)
			}
		}
	}
}
