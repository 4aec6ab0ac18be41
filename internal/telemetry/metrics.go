package telemetry

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

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
	// inFlight counts requests being served, read at scrape time: one
	// atomic add per change instead of a float compare-and-swap loop.
	inFlight atomic.Int64
	tokens   *prometheus.CounterVec
	signIns  *prometheus.CounterVec

	// Children of the vectors per route pattern, cached so the request
	// path does one map lookup and never hashes label values.
	routes   sync.Map // route → *routeMetrics
	routesMu sync.Mutex
}

// routeMetrics is everything record needs for one route pattern.
type routeMetrics struct {
	observer prometheus.Observer
	// step is the sign-in step the route is ("" if none).
	step string
	// codes are the request counters by status code seen so far: a route
	// answers with few distinct codes, so a copy-on-write slice scanned
	// linearly beats a map.
	codes atomic.Pointer[[]codeCounter]
}

type codeCounter struct {
	code    int
	counter prometheus.Counter
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
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_oidc_tokens_issued_total",
			Help: "Successful token endpoint responses by grant type.",
		}, []string{"grant_type"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sign_in_outcomes_total",
			Help: "Experience API verification, identification and submit answers by step and outcome.",
		}, []string{"step", "outcome"}),
	}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gatehouse_http_requests_in_flight",
		Help: "HTTP requests being served.",
	}, func() float64 { return float64(m.inFlight.Load()) })
	m.reg.MustRegister(m.requests, m.duration, inFlight, m.tokens, m.signIns,
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

// route returns the cached metrics of a route pattern.
func (m *Metrics) route(route string) *routeMetrics {
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	rm := &routeMetrics{observer: m.duration.WithLabelValues(route)}
	rm.step, _ = signInStep(route)
	rm.codes.Store(new([]codeCounter))
	v, _ := m.routes.LoadOrStore(route, rm)
	return v.(*routeMetrics)
}

// counter returns the request counter of route (rm's pattern) and code.
func (m *Metrics) counter(rm *routeMetrics, route string, code int) prometheus.Counter {
	for _, cc := range *rm.codes.Load() {
		if cc.code == code {
			return cc.counter
		}
	}
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	old := *rm.codes.Load()
	for _, cc := range old {
		if cc.code == code {
			return cc.counter
		}
	}
	c := m.requests.WithLabelValues(route, strconv.Itoa(code))
	codes := append(old[:len(old):len(old)], codeCounter{code, c})
	rm.codes.Store(&codes)
	return c
}
