package telemetry

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	vm "github.com/VictoriaMetrics/metrics"
)

// Metrics holds one server's series in its own github.com/VictoriaMetrics/metrics
// Set, so several servers in one process (the end-to-end tests) never
// share or clash on series. The library writes the text format; this
// package only names the series.
type Metrics struct {
	log *slog.Logger
	set *vm.Set

	// inFlight counts requests being served, read by a gauge callback at
	// scrape time: one atomic add per change instead of a float
	// compare-and-swap loop.
	inFlight atomic.Int64

	// tokens are the issued-token counters by grant_type label (the
	// known grant types and "other"); the map is never written after New.
	tokens map[string]*vm.Counter

	// Per route pattern, so the request path does one map lookup and
	// never builds a series name.
	routes   sync.Map // route → *routeMetrics
	routesMu sync.Mutex

	// sources are the statistics registered from elsewhere (store pools,
	// password hashing) by name, each with what refreshes its series
	// before a scrape is written.
	sourcesMu sync.Mutex
	sources   map[string]func()
}

// routeMetrics is everything record needs for one route pattern.
type routeMetrics struct {
	// label is the route as a label value, escaped for a series name.
	label    string
	duration *vm.PrometheusHistogram
	// step is the sign-in step the route is ("" if none), and signIns its
	// outcome counters, indexed like outcomes (nil if step is "").
	step    string
	signIns [len(outcomes)]*vm.Counter
	// codes are the request counters by status code seen so far: a route
	// answers with few distinct codes, so a copy-on-write slice scanned
	// linearly beats a map.
	codes atomic.Pointer[[]codeCounter]
}

type codeCounter struct {
	code    int
	counter *vm.Counter
}

// latencyBuckets span the fast paths (discovery, JWKS and token issuance
// take well under a millisecond) up to argon2-bound sign-ins.
var latencyBuckets = [...]float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// contentType is the Prometheus text exposition format.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// labelValue escapes v for a label value inside a series name given to
// the Set: the library writes names verbatim and refuses line breaks, so
// the text format's escaping (\\, \", \n) is applied here, once per series.
var labelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace

// New returns Metrics; the Go runtime and process series are written with
// them. logger receives the access log at debug level; nil disables it.
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// HELP and TYPE lines; a process-wide setting of the library.
	vm.ExposeMetadata(true)
	m := &Metrics{log: logger, set: vm.NewSet(), tokens: make(map[string]*vm.Counter, len(knownGrantTypes)+1)}
	m.set.NewGauge("gatehouse_http_requests_in_flight", func() float64 { return float64(m.inFlight.Load()) })
	// The grant types are known, so their series start at zero.
	for gt := range knownGrantTypes {
		m.tokens[gt] = m.set.NewCounter(`gatehouse_oidc_tokens_issued_total{grant_type="` + labelValue(gt) + `"}`)
	}
	m.tokens["other"] = m.set.NewCounter(`gatehouse_oidc_tokens_issued_total{grant_type="other"}`)
	return m
}

// Handler serves the metrics in the Prometheus text exposition format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(m.serveMetrics)
}

// ProtectedHandler is Handler behind a bearer token (Prometheus's
// authorization: credentials), compared in constant time; a scrape
// without it gets 401. An empty token leaves the handler open.
func (m *Metrics) ProtectedHandler(token string) http.Handler {
	if token == "" {
		return m.Handler()
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// Hashing both sides makes the comparison constant-time whatever
		// the lengths.
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token (GATEHOUSE_METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		m.serveMetrics(w, r)
	})
}

// serveMetrics answers a scrape: the text is built in memory first, so a
// slow scraper never holds anything the request path needs.
func (m *Metrics) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	m.sourcesMu.Lock()
	for _, refresh := range m.sources {
		refresh()
	}
	m.sourcesMu.Unlock()
	var b bytes.Buffer
	m.set.WritePrometheus(&b)
	vm.WriteProcessMetrics(&b)
	vm.WriteFDMetrics(&b)
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b.Bytes())
}

// addSource registers the statistics source name once: newSeries creates
// its series and returns what sets them from the source, called before
// each scrape is written. A second source of one name is an error, found
// before any series is created (the Set refuses duplicates).
func (m *Metrics) addSource(name string, newSeries func() (refresh func())) error {
	m.sourcesMu.Lock()
	defer m.sourcesMu.Unlock()
	if _, ok := m.sources[name]; ok {
		return fmt.Errorf("telemetry: %s already registered", name)
	}
	refresh := newSeries()
	if m.sources == nil {
		m.sources = make(map[string]func())
	}
	m.sources[name] = refresh
	return nil
}

// route returns the metrics of a route pattern, created on first use.
func (m *Metrics) route(route string) *routeMetrics {
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	rm := &routeMetrics{label: labelValue(route)}
	rm.duration = m.set.NewPrometheusHistogramExt(
		`gatehouse_http_request_duration_seconds{route="`+rm.label+`"}`, latencyBuckets[:])
	rm.step, _ = signInStep(route)
	if rm.step != "" {
		for i, o := range outcomes {
			rm.signIns[i] = m.set.NewCounter(
				`gatehouse_sign_in_outcomes_total{outcome="` + o + `",step="` + labelValue(rm.step) + `"}`)
		}
	}
	rm.codes.Store(new([]codeCounter))
	m.routes.Store(route, rm)
	return rm
}

// counter returns the request counter of rm's route and code.
func (m *Metrics) counter(rm *routeMetrics, code int) *vm.Counter {
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
	c := m.set.NewCounter(`gatehouse_http_requests_total{code="` + strconv.Itoa(code) + `",route="` + rm.label + `"}`)
	codes := append(old[:len(old):len(old)], codeCounter{code, c})
	rm.codes.Store(&codes)
	return c
}
