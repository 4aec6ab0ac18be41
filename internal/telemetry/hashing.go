package telemetry

import (
	"errors"
	"time"
)

// HashingStats reports how many password hashes the process has run and
// the CPU time they took (password.HashStats).
type HashingStats func() (n uint64, cpu time.Duration)

// RegisterHashing exports the password hashing statistics as
// gatehouse_password_hashes_total and
// gatehouse_password_hash_cpu_seconds_total, read at scrape time. A second
// call is an error.
func (m *Metrics) RegisterHashing(stats HashingStats) error {
	if stats == nil {
		return errors.New("telemetry: nil hashing statistics")
	}
	return m.addSource("hashing statistics", func() func() {
		count := m.set.NewCounter("gatehouse_password_hashes_total")
		cpuSec := m.set.NewFloatCounter("gatehouse_password_hash_cpu_seconds_total")
		return func() {
			n, cpu := stats()
			count.Set(n)
			cpuSec.Set(cpu.Seconds())
		}
	})
}
