package sqlite_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// BenchmarkConcurrentWrites measures token issuance (one INSERT) from 8
// goroutines at once, the hot-path write; every write must succeed.
func BenchmarkConcurrentWrites(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	app := &store.Application{ID: "app", Name: "bench", Type: store.AppSPA}
	if err := s.CreateApplication(b.Context(), app); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(max(1, 8/testingProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			tok := &store.Token{Hash: []byte(fmt.Sprintf("hash-%032d", i)), Kind: store.TokenAccess,
				ClientID: app.ID, Scopes: []string{"openid"}, ExpiresAt: time.Now().Add(time.Hour)}
			if err := s.CreateToken(b.Context(), tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkConcurrentRefresh is the refresh-token rotation pattern: create a
// token and rotate it in place, from 8 goroutines.
func BenchmarkConcurrentRefresh(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	app := &store.Application{ID: "app", Name: "bench", Type: store.AppSPA}
	if err := s.CreateApplication(b.Context(), app); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(max(1, 8/testingProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			old := &store.Token{Hash: []byte(fmt.Sprintf("old-%032d", i)), Kind: store.TokenRefresh, ClientID: app.ID, ExpiresAt: time.Now().Add(time.Hour)}
			if err := s.CreateToken(b.Context(), old); err != nil {
				b.Error(err)
				return
			}
			err := s.RotateToken(b.Context(), old.Hash, &store.Token{Hash: []byte(fmt.Sprintf("new-%032d", i)),
				ExpiresAt: time.Now().Add(time.Hour)}, time.Now())
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }
