package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/postgres"
)

// TestBus: a payload published on one bus reaches a listener on another;
// when the listener's connection is killed it reports it, reconnects,
// reports listening again and receives again.
func TestBus(t *testing.T) {
	base := baseURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	appName := "bustest_" + tag
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()

	pub, err := postgres.NewBus(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := postgres.NewBus(u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	got := make(chan string, 100)
	states := make(chan bool, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sub.Listen(ctx, func(p string) { got <- p }, func(ok bool) { states <- ok })
	}()
	defer func() {
		cancel()
		<-done
	}()
	state := func(want bool) {
		t.Helper()
		select {
		case ok := <-states:
			if ok != want {
				t.Fatalf("listening(%v), want listening(%v)", ok, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no listening(%v) report", want)
		}
	}
	receive := func(payload string) {
		t.Helper()
		if err := pub.Publish(t.Context(), payload); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(5 * time.Second)
		for {
			select {
			case p := <-got:
				if p == payload {
					return
				}
				// Other tests share the channel; their payloads pass by.
			case <-deadline:
				t.Fatalf("payload %q not received", payload)
			}
		}
	}
	state(true)
	receive("user first-" + tag)

	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var killed int
	if err := db.QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND query LIKE 'LISTEN%'`, appName).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners (%v), want 1", killed, err)
	}
	state(false)
	state(true)
	receive("user second-" + tag)
}
