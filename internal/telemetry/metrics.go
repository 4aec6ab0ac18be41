package telemetry

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds one server's collectors and its registry.
type Metrics struct {
	reg      *prometheus.Registry
	log      *slog.Logger
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	tokens   *prometheus.CounterVec
	signIns  *prometheus.CounterVec

	// Children of the vectors, cached so the request path does not hash
	// label values on every request.
	counters  sync.Map // routeCode → prometheus.Counter
	observers sync.Map // route → prometheus.Observer
}

type routeCode struct {
	route string
	code  int
}

// latencyBuckets span the fast paths (discovery, JWKS and token issuance
// take well under a millisecond) up to argon2-bound sign-ins.
var latencyBuckets = []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// New returns Metrics with the Go runtime and process collectors
// registered. logger receives the access log at debug level; nil disables
// it.
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_oidc_tokens_issued_total",
			Help: "Successful token endpoint responses by grant type.",
		}, []string{"grant_type"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sign_in_outcomes_total",
			Help: "Experience API verification, identification and submit answers by step and outcome.",
		}, []string{"step", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.tokens, m.signIns,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where additional collectors go (and what tests gather).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

func (m *Metrics) counter(route string, code int) prometheus.Counter {
	k := routeCode{route, code}
	if c, ok := m.counters.Load(k); ok {
		return c.(prometheus.Counter)
	}
	c := m.requests.WithLabelValues(route, strconv.Itoa(code))
	m.counters.Store(k, c)
	return c
}

func (m *Metrics) observer(route string) prometheus.Observer {
	if o, ok := m.observers.Load(route); ok {
		return o.(prometheus.Observer)
	}
	o := m.duration.WithLabelValues(route)
	m.observers.Store(route, o)
	return o
}
