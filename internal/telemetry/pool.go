package telemetry

import (
	"bytes"
	"database/sql"
	"errors"
	"slices"
)

// PoolStats reports database/sql pool statistics by pool name ("write",
// "read" on SQLite; "main" on PostgreSQL, where one pool does both).
type PoolStats func() map[string]sql.DBStats

// RegisterPools exports the store's connection pools, read at scrape time.
// A Metrics exports one store: a second call is an error.
func (m *Metrics) RegisterPools(stats PoolStats) error {
	if stats == nil {
		return errors.New("telemetry: nil pool statistics")
	}
	if !m.pools.CompareAndSwap(nil, &stats) {
		return errors.New("telemetry: pool statistics already registered")
	}
	return nil
}

// poolFamilies are the pool series, in exposition (name) order.
var poolFamilies = []struct {
	name, typ, help string
	value           func(s *sql.DBStats) float64
}{
	{"gatehouse_store_idle_connections", "gauge", "Idle connections.",
		func(s *sql.DBStats) float64 { return float64(s.Idle) }},
	{"gatehouse_store_in_use_connections", "gauge", "Connections in use.",
		func(s *sql.DBStats) float64 { return float64(s.InUse) }},
	{"gatehouse_store_max_idle_closed_total", "counter", "Connections closed by the idle limits.",
		func(s *sql.DBStats) float64 { return float64(s.MaxIdleClosed + s.MaxIdleTimeClosed) }},
	{"gatehouse_store_max_lifetime_closed_total", "counter", "Connections closed by the lifetime limit.",
		func(s *sql.DBStats) float64 { return float64(s.MaxLifetimeClosed) }},
	{"gatehouse_store_max_open_connections", "gauge", "Pool size limit.",
		func(s *sql.DBStats) float64 { return float64(s.MaxOpenConnections) }},
	{"gatehouse_store_open_connections", "gauge", "Connections open, in use or idle.",
		func(s *sql.DBStats) float64 { return float64(s.OpenConnections) }},
	{"gatehouse_store_wait_count_total", "counter", "Times a caller waited for a connection.",
		func(s *sql.DBStats) float64 { return float64(s.WaitCount) }},
	{"gatehouse_store_wait_seconds_total", "counter", "Time spent waiting for a connection.",
		func(s *sql.DBStats) float64 { return s.WaitDuration.Seconds() }},
}

// writePools writes the pool series, if a store registered its pools.
func (m *Metrics) writePools(b *bytes.Buffer) {
	p := m.pools.Load()
	if p == nil {
		return
	}
	stats := (*p)()
	if len(stats) == 0 {
		return
	}
	names := make([]string, 0, len(stats))
	for name := range stats {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, f := range poolFamilies {
		header(b, f.name, f.typ, f.help)
		for _, name := range names {
			s := stats[name]
			sampleFloat(b, f.name, f.value(&s), "pool", name)
		}
	}
}
