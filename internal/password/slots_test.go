package password

import (
	"context"
	"errors"
	"testing"
	"time"
)

var cheapParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// fillSlots takes every hashing slot and returns a func that frees them.
func fillSlots(t *testing.T) func() {
	t.Helper()
	n := cap(slots)
	for i := 0; i < n; i++ {
		select {
		case slots <- struct{}{}:
		case <-time.After(5 * time.Second):
			t.Fatal("could not take a hashing slot")
		}
	}
	return func() {
		for i := 0; i < n; i++ {
			<-slots
		}
	}
}

func TestSlotsSizedToGOMAXPROCS(t *testing.T) {
	if cap(slots) < 1 {
		t.Fatalf("cap(slots) = %d", cap(slots))
	}
}

func TestHashingGivesUpWhenContextEnds(t *testing.T) {
	good, err := HashWith("secret", cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	_ = dummyHash() // built outside the slots
	free := fillSlots(t)
	defer func() { free() }()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := HashWithContext(ctx, "secret", cheapParams); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HashWithContext: err = %v, want DeadlineExceeded", err)
	}
	if ok, err := VerifyContext(ctx, "secret", good); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("VerifyContext = %v, %v; want false, DeadlineExceeded", ok, err)
	}
	if err := DummyVerifyContext(ctx, "secret"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("DummyVerifyContext: err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v to give up", d)
	}

	// A cancelled context fails fast even when a slot is free.
	free()
	free = func() {}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := HashContext(cctx, "secret"); !errors.Is(err, context.Canceled) {
		t.Fatalf("HashContext(cancelled): err = %v", err)
	}
}

func TestWaiterProceedsWhenSlotFrees(t *testing.T) {
	good, err := HashWith("secret", cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	free := fillSlots(t)
	done := make(chan error, 1)
	go func() {
		ok, err := VerifyContext(context.Background(), "secret", good)
		if err == nil && !ok {
			err = errors.New("no match")
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("verify ran while all slots were busy: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	free()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter never ran after slots were freed")
	}
	if len(slots) != 0 {
		t.Fatalf("%d slots still held", len(slots))
	}
}
