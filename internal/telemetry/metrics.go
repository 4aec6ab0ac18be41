package telemetry

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
)

// Metrics holds one server's series. They are plain atomics, written in
// the Prometheus text format by Handler (exposition.go); the Go runtime
// and process series come from github.com/VictoriaMetrics/metrics, which,
// unlike client_golang, pulls in no protobuf and registers nothing at
// start-up.
type Metrics struct {
	log *slog.Logger

	// inFlight counts requests being served, read at scrape time: one
	// atomic add per change instead of a float compare-and-swap loop.
	inFlight atomic.Int64

	// tokens are the issued-token counters by grant_type label (the
	// known grant types and "other"); the map is never written after New.
	tokens map[string]*counter

	// Per route pattern, so the request path does one map lookup and
	// never builds a label string.
	routes   sync.Map // route → *routeMetrics
	routesMu sync.Mutex

	// pools reads the store's pool statistics at scrape time (nil until
	// RegisterPools).
	pools atomic.Pointer[PoolStats]
}

// routeMetrics is everything record needs for one route pattern.
type routeMetrics struct {
	route    string
	duration histogram
	// step is the sign-in step the route is ("" if none), and signIns its
	// outcome counters, indexed like outcomes.
	step    string
	signIns [len(outcomes)]counter
	// codes are the request counters by status code seen so far: a route
	// answers with few distinct codes, so a copy-on-write slice scanned
	// linearly beats a map.
	codes atomic.Pointer[[]codeCounter]
}

type codeCounter struct {
	code    int
	counter *counter
}

// counter is a monotonically increasing count.
type counter struct{ n atomic.Uint64 }

func (c *counter) Inc()          { c.n.Add(1) }
func (c *counter) value() uint64 { return c.n.Load() }

// latencyBuckets span the fast paths (discovery, JWKS and token issuance
// take well under a millisecond) up to argon2-bound sign-ins.
var latencyBuckets = [...]float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// histogram is a Prometheus histogram over latencyBuckets, lock-free:
// each observation is two atomic adds and one compare-and-swap.
type histogram struct {
	// buckets[i] counts the observations in (latencyBuckets[i-1],
	// latencyBuckets[i]]; the last one those above every bound. They are
	// made cumulative, and summed into the count, at scrape time, so the
	// exposed count always equals the +Inf bucket.
	buckets [len(latencyBuckets) + 1]atomic.Uint64
	sumBits atomic.Uint64 // math.Float64bits of the sum of observations
}

// observe records one value in seconds.
func (h *histogram) observe(v float64) {
	i := 0
	for i < len(latencyBuckets) && v > latencyBuckets[i] {
		i++
	}
	h.buckets[i].Add(1)
	addFloat(&h.sumBits, v)
}

// New returns Metrics; the Go runtime and process series are written with
// them. logger receives the access log at debug level; nil disables it.
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{log: logger, tokens: make(map[string]*counter, len(knownGrantTypes)+1)}
	for gt := range knownGrantTypes {
		m.tokens[gt] = new(counter)
	}
	m.tokens["other"] = new(counter)
	return m
}

// Handler serves the metrics in the Prometheus text exposition format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(m.serveMetrics)
}

// route returns the metrics of a route pattern, created on first use.
func (m *Metrics) route(route string) *routeMetrics {
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	rm := &routeMetrics{route: route}
	rm.step, _ = signInStep(route)
	rm.codes.Store(new([]codeCounter))
	v, _ := m.routes.LoadOrStore(route, rm)
	return v.(*routeMetrics)
}

// counter returns the request counter of rm's route and code.
func (m *Metrics) counter(rm *routeMetrics, code int) *counter {
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
	c := new(counter)
	codes := append(old[:len(old):len(old)], codeCounter{code, c})
	rm.codes.Store(&codes)
	return c
}
