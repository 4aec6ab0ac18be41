package telemetry

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats reports database/sql pool statistics by pool name ("write",
// "read" on SQLite; "main" on PostgreSQL, where one pool does both).
type PoolStats func() map[string]sql.DBStats

// RegisterPools exports the store's connection pools, read at scrape time.
func (m *Metrics) RegisterPools(stats PoolStats) error {
	return m.reg.Register(poolCollector{stats})
}

var (
	poolLabels    = []string{"pool"}
	descOpen      = prometheus.NewDesc("gatehouse_store_open_connections", "Connections open, in use or idle.", poolLabels, nil)
	descInUse     = prometheus.NewDesc("gatehouse_store_in_use_connections", "Connections in use.", poolLabels, nil)
	descIdle      = prometheus.NewDesc("gatehouse_store_idle_connections", "Idle connections.", poolLabels, nil)
	descMaxOpen   = prometheus.NewDesc("gatehouse_store_max_open_connections", "Pool size limit.", poolLabels, nil)
	descWaitCount = prometheus.NewDesc("gatehouse_store_wait_count_total", "Times a caller waited for a connection.", poolLabels, nil)
	descWaitTime  = prometheus.NewDesc("gatehouse_store_wait_seconds_total", "Time spent waiting for a connection.", poolLabels, nil)
	descIdleClose = prometheus.NewDesc("gatehouse_store_max_idle_closed_total", "Connections closed by the idle limits.", poolLabels, nil)
	descLifeClose = prometheus.NewDesc("gatehouse_store_max_lifetime_closed_total", "Connections closed by the lifetime limit.", poolLabels, nil)
)

type poolCollector struct{ stats PoolStats }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descMaxOpen, descWaitCount, descWaitTime, descIdleClose, descLifeClose} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.stats() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
		}
		gauge(descOpen, float64(s.OpenConnections))
		gauge(descInUse, float64(s.InUse))
		gauge(descIdle, float64(s.Idle))
		gauge(descMaxOpen, float64(s.MaxOpenConnections))
		counter(descWaitCount, float64(s.WaitCount))
		counter(descWaitTime, s.WaitDuration.Seconds())
		counter(descIdleClose, float64(s.MaxIdleClosed+s.MaxIdleTimeClosed))
		counter(descLifeClose, float64(s.MaxLifetimeClosed))
	}
}
