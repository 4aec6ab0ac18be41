package telemetry

import (
	"errors"
	"time"

	vm "github.com/VictoriaMetrics/metrics"
)

// HashingStats reports how many password hashes the process has run and
// the CPU time they took (password.HashStats).
type HashingStats func() (n uint64, cpu time.Duration)

// hashingSeries is the registered hashing statistics, read at each scrape.
type hashingSeries struct {
	stats  HashingStats
	count  *vm.Counter
	cpuSec *vm.FloatCounter
}

// RegisterHashing exports the password hashing statistics as
// gatehouse_password_hashes_total and
// gatehouse_password_hash_cpu_seconds_total, read at scrape time. A second
// call is an error.
func (m *Metrics) RegisterHashing(stats HashingStats) error {
	if stats == nil {
		return errors.New("telemetry: nil hashing statistics")
	}
	m.poolsMu.Lock()
	defer m.poolsMu.Unlock()
	if m.hashing.Load() != nil {
		return errors.New("telemetry: hashing statistics already registered")
	}
	h := &hashingSeries{stats: stats, count: m.set.NewCounter("gatehouse_password_hashes_total"),
		cpuSec: m.set.NewFloatCounter("gatehouse_password_hash_cpu_seconds_total")}
	m.hashing.Store(h)
	m.refreshHashing()
	return nil
}

// refreshHashing sets the hashing series from the statistics now.
func (m *Metrics) refreshHashing() {
	h := m.hashing.Load()
	if h == nil {
		return
	}
	n, cpu := h.stats()
	h.count.Set(n)
	h.cpuSec.Set(cpu.Seconds())
}
