package telemetry

import (
	"database/sql"
	"errors"
	"sync/atomic"

	vm "github.com/VictoriaMetrics/metrics"
)

// PoolStats reports database/sql pool statistics by pool name ("write",
// "read" on SQLite; "main" on PostgreSQL, where one pool does both).
type PoolStats func() map[string]sql.DBStats

// poolGauges and poolCounters are the pool series.
var poolGauges = []struct {
	name  string
	value func(s *sql.DBStats) float64
}{
	{"gatehouse_store_idle_connections", func(s *sql.DBStats) float64 { return float64(s.Idle) }},
	{"gatehouse_store_in_use_connections", func(s *sql.DBStats) float64 { return float64(s.InUse) }},
	{"gatehouse_store_max_open_connections", func(s *sql.DBStats) float64 { return float64(s.MaxOpenConnections) }},
	{"gatehouse_store_open_connections", func(s *sql.DBStats) float64 { return float64(s.OpenConnections) }},
}

var poolCounters = []struct {
	name  string
	value func(s *sql.DBStats) float64
}{
	{"gatehouse_store_max_idle_closed_total", func(s *sql.DBStats) float64 { return float64(s.MaxIdleClosed + s.MaxIdleTimeClosed) }},
	{"gatehouse_store_max_lifetime_closed_total", func(s *sql.DBStats) float64 { return float64(s.MaxLifetimeClosed) }},
	{"gatehouse_store_wait_count_total", func(s *sql.DBStats) float64 { return float64(s.WaitCount) }},
	{"gatehouse_store_wait_seconds_total", func(s *sql.DBStats) float64 { return s.WaitDuration.Seconds() }},
}

// RegisterPools exports the store's connection pools, read at scrape time:
// one snapshot per scrape, so every pool series of a scrape agrees. The
// pools are those stats reports now (a store's pools are fixed once it is
// open). A Metrics exports one store: a second call is an error.
func (m *Metrics) RegisterPools(stats PoolStats) error {
	if stats == nil {
		return errors.New("telemetry: nil pool statistics")
	}
	return m.addSource("pool statistics", func() func() {
		var last atomic.Pointer[map[string]sql.DBStats]
		type counter struct {
			pool  string
			value func(s *sql.DBStats) float64
			c     *vm.FloatCounter
		}
		var counters []counter
		snapshot := stats()
		last.Store(&snapshot)
		for pool := range snapshot {
			labels := `{pool="` + labelValue(pool) + `"}`
			for _, f := range poolGauges {
				m.set.NewGauge(f.name+labels, func() float64 {
					s := (*last.Load())[pool]
					return f.value(&s)
				})
			}
			for _, f := range poolCounters {
				counters = append(counters, counter{pool, f.value, m.set.NewFloatCounter(f.name + labels)})
			}
		}
		return func() {
			snapshot := stats()
			last.Store(&snapshot)
			for _, c := range counters {
				s := snapshot[c.pool]
				c.c.Set(c.value(&s))
			}
		}
	})
}
