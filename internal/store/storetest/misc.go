package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var miscTests = []test{
	{"Ping", testPing},
	{"ContextReachesDriver", testContext},
}

func testPing(t *testing.T, s store.Store) {
	ok(t, s.Ping(t.Context()), "ping")
}

// testContext checks that a dead context stops the call and is reported as
// unavailability, with the context error still in the chain.
func testContext(t *testing.T, s store.Store) {
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.GetApplication(canceled, "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: got %v", err)
	}
	err = s.CreateApplication(canceled, &store.Application{ID: "x", Name: "x", Type: store.AppSPA})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context on write: got %v", err)
	}
	_, err = s.GetApplication(t.Context(), "x")
	wantErr(t, err, store.ErrNotFound, "write with canceled context happened")

	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = s.GetUser(expired, "x")
	wantErr(t, err, store.ErrUnavailable, "expired deadline")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline error lost its cause: %v", err)
	}
	err = s.InTx(expired, func(store.Store) error { return nil })
	wantErr(t, err, store.ErrUnavailable, "InTx with expired deadline")
}
