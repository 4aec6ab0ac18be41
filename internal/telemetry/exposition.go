package telemetry

import (
	"bytes"
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"

	vm "github.com/VictoriaMetrics/metrics"
)

// contentType is the Prometheus text exposition format.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// serveMetrics answers a scrape: the text is built in memory first, so a
// slow scraper never holds anything the request path needs.
func (m *Metrics) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	m.writeTo(&b)
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b.Bytes())
}

// writeTo writes every series in the Prometheus text format: families in
// name order, each with its HELP and TYPE, series sorted by label values
// (as client_golang did), then the Go runtime and process series.
func (m *Metrics) writeTo(b *bytes.Buffer) {
	var routes []*routeMetrics
	m.routes.Range(func(_, v any) bool {
		routes = append(routes, v.(*routeMetrics))
		return true
	})
	slices.SortFunc(routes, func(x, y *routeMetrics) int { return cmp.Compare(x.route, y.route) })

	if len(routes) > 0 {
		const name = "gatehouse_http_request_duration_seconds"
		header(b, name, "histogram", "HTTP request latency by route pattern.")
		for _, rm := range routes {
			rm.duration.write(b, name, rm.route)
		}
	}

	header(b, "gatehouse_http_requests_in_flight", "gauge", "HTTP requests being served.")
	sampleFloat(b, "gatehouse_http_requests_in_flight", float64(m.inFlight.Load()))

	type requestSeries struct {
		code, route string
		n           uint64
	}
	var requests []requestSeries
	for _, rm := range routes {
		for _, cc := range *rm.codes.Load() {
			requests = append(requests, requestSeries{strconv.Itoa(cc.code), rm.route, cc.counter.value()})
		}
	}
	if len(requests) > 0 {
		const name = "gatehouse_http_requests_total"
		slices.SortFunc(requests, func(x, y requestSeries) int {
			return cmp.Or(cmp.Compare(x.code, y.code), cmp.Compare(x.route, y.route))
		})
		header(b, name, "counter", "HTTP requests by route pattern and status code.")
		for _, s := range requests {
			sampleUint(b, name, s.n, "code", s.code, "route", s.route)
		}
	}

	// A series exists once it has been counted, as with client_golang's
	// vectors: counters only go up, so a zero one was never touched.
	grantTypes := make([]string, 0, len(m.tokens))
	for gt, c := range m.tokens {
		if c.value() > 0 {
			grantTypes = append(grantTypes, gt)
		}
	}
	if len(grantTypes) > 0 {
		const name = "gatehouse_oidc_tokens_issued_total"
		slices.Sort(grantTypes)
		header(b, name, "counter", "Successful token endpoint responses by grant type.")
		for _, gt := range grantTypes {
			sampleUint(b, name, m.tokens[gt].value(), "grant_type", gt)
		}
	}

	type signInSeries struct {
		outcome, step string
		n             uint64
	}
	var signIns []signInSeries
	for _, rm := range routes {
		if rm.step == "" {
			continue
		}
		for i := range rm.signIns {
			if n := rm.signIns[i].value(); n > 0 {
				signIns = append(signIns, signInSeries{outcomes[i], rm.step, n})
			}
		}
	}
	if len(signIns) > 0 {
		const name = "gatehouse_sign_in_outcomes_total"
		slices.SortFunc(signIns, func(x, y signInSeries) int {
			return cmp.Or(cmp.Compare(x.outcome, y.outcome), cmp.Compare(x.step, y.step))
		})
		header(b, name, "counter", "Experience API verification, identification and submit answers by step and outcome.")
		for _, s := range signIns {
			sampleUint(b, name, s.n, "outcome", s.outcome, "step", s.step)
		}
	}

	m.writePools(b)

	// go_* and process_*: client_golang's Go and process collectors had
	// the same names for the common series; writeCompat adds the rest.
	vm.ExposeMetadata(true)
	vm.WriteProcessMetrics(b)
	vm.WriteFDMetrics(b)
	writeCompat(b)
}

// leLabels are the bucket bounds as client_golang formats them.
var leLabels = func() (s [len(latencyBuckets) + 1]string) {
	for i, ub := range latencyBuckets {
		s[i] = formatFloat(ub)
	}
	s[len(latencyBuckets)] = "+Inf"
	return s
}()

// write writes the histogram's buckets (cumulative), sum and count.
func (h *histogram) write(b *bytes.Buffer, name, route string) {
	var cum uint64
	for i := range h.buckets {
		cum += h.buckets[i].Load()
		sampleUint(b, name+"_bucket", cum, "route", route, "le", leLabels[i])
	}
	sampleFloat(b, name+"_sum", math.Float64frombits(h.sumBits.Load()), "route", route)
	sampleUint(b, name+"_count", cum, "route", route)
}

// addFloat adds v to the float64 whose bits *bits holds.
func addFloat(bits *atomic.Uint64, v float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// header writes a family's HELP and TYPE lines.
func header(b *bytes.Buffer, name, typ, help string) {
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(help) // constant text: nothing to escape
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(typ)
	b.WriteByte('\n')
}

func sampleUint(b *bytes.Buffer, name string, v uint64, labels ...string) {
	writeSeries(b, name, labels)
	b.Write(strconv.AppendUint(b.AvailableBuffer(), v, 10))
	b.WriteByte('\n')
}

func sampleFloat(b *bytes.Buffer, name string, v float64, labels ...string) {
	writeSeries(b, name, labels)
	b.WriteString(formatFloat(v))
	b.WriteByte('\n')
}

// writeSeries writes `name{k="v",...} ` from labels, name/value pairs.
func writeSeries(b *bytes.Buffer, name string, labels []string) {
	b.WriteString(name)
	for i := 0; i+1 < len(labels); i += 2 {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(labels[i])
		b.WriteString(`="`)
		writeLabelValue(b, labels[i+1])
		b.WriteByte('"')
	}
	if len(labels) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte(' ')
}

// writeLabelValue escapes a label value as the text format requires.
func writeLabelValue(b *bytes.Buffer, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// formatFloat formats a sample value or bound like the text format does.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
