package telemetry

import (
	"bytes"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// value returns the value of the series name{labels} (0 if absent) as the
// exposition at /metrics shows it; for a histogram, name_count is its
// sample count.
func value(t *testing.T, m *Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	w := serve(m.Handler(), "GET", "/metrics", "", "")
	samples, _ := parseExposition(t, w.Body.String())
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range labels {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			return s.value
		}
	}
	return 0
}

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition reads the Prometheus text format strictly enough to
// catch malformed output: every family has one TYPE line before its
// samples, label values are quoted and escaped, and values are numbers.
// It returns the samples and the type of each family.
func parseExposition(t *testing.T, text string) ([]sample, map[string]string) {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end with a newline")
	}
	var out []sample
	typed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if _, dup := typed[name]; dup {
				t.Errorf("family %s typed twice", name)
			}
			typed[name] = typ
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		s := sample{labels: map[string]string{}}
		i := strings.IndexAny(line, "{ ")
		if i <= 0 {
			t.Fatalf("malformed line %q", line)
		}
		s.name, line = line[:i], line[i:]
		if line[0] == '{' {
			line = line[1:]
			for line[0] != '}' {
				k, rest, ok := strings.Cut(line, `="`)
				if !ok {
					t.Fatalf("malformed labels in %q", line)
				}
				k = strings.TrimPrefix(strings.TrimSpace(k), ",")
				var v strings.Builder
				j := 0
				for ; rest[j] != '"'; j++ {
					if rest[j] == '\\' {
						j++
						if rest[j] == 'n' {
							v.WriteByte('\n')
							continue
						}
					}
					v.WriteByte(rest[j])
				}
				s.labels[strings.TrimSpace(k)] = v.String()
				line = strings.TrimLeft(rest[j+1:], ", ")
			}
			line = line[1:]
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
		if err != nil {
			t.Fatalf("%s: value %q: %v", s.name, line, err)
		}
		s.value = f
		family := s.name
		if _, ok := typed[family]; !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f, ok := strings.CutSuffix(family, suffix); ok && (typed[f] == "histogram" || typed[f] == "summary") {
					family = f
				}
			}
		}
		if typed[family] == "" {
			t.Errorf("%s has no TYPE line before it", s.name)
		}
		out = append(out, s)
	}
	return out, typed
}

// testMux registers routes shaped like Gatehouse's.
func testMux(t *testing.T) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/auth/{uid}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/oidc/token", func(w http.ResponseWriter, r *http.Request) {
		// The OP reads the whole body itself; the copy must be exact.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		if strings.Contains(string(body), "fail") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_, _ = w.Write(body)
	})
	mux.HandleFunc("POST /api/experience/verification/password", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("status") {
		case "422":
			w.WriteHeader(http.StatusUnprocessableEntity)
		case "429":
			w.WriteHeader(http.StatusTooManyRequests)
		case "503":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("POST /api/experience/submit", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	return mux
}

func serve(h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRouteLabelsAndStatus(t *testing.T) {
	m := New(nil)
	h := m.Middleware(testMux(t))
	for i := 0; i < 3; i++ {
		serve(h, "GET", "/oidc/auth/abc"+strings.Repeat("x", i), "", "")
	}
	serve(h, "GET", "/no/such/path", "", "")
	serve(h, "DELETE", "/oidc/auth/abc", "", "")

	if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": "GET /oidc/auth/{uid}", "code": "302"}); v != 3 {
		t.Errorf("requests{GET /oidc/auth/{uid},302} = %v, want 3 (labelled by pattern, not path)", v)
	}
	if v := value(t, m, "gatehouse_http_request_duration_seconds_count", map[string]string{"route": "GET /oidc/auth/{uid}"}); v != 3 {
		t.Errorf("latency samples = %v, want 3", v)
	}
	if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": unmatchedRoute, "code": "404"}); v != 1 {
		t.Errorf("unmatched 404 = %v, want 1", v)
	}
	if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": unmatchedRoute, "code": "405"}); v != 1 {
		t.Errorf("unmatched 405 = %v, want 1", v)
	}
	if v := value(t, m, "gatehouse_http_requests_in_flight", nil); v != 0 {
		t.Errorf("in flight after the requests = %v", v)
	}
}

func TestPanicCountedAndPropagated(t *testing.T) {
	m := New(nil)
	h := m.Middleware(testMux(t))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic must reach the recovering middleware outside")
			}
		}()
		serve(h, "GET", "/boom", "", "")
	}()
	if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": "GET /boom", "code": "500"}); v != 1 {
		t.Errorf("panicking request counted %v times as 500, want 1", v)
	}
	if v := value(t, m, "gatehouse_http_requests_in_flight", nil); v != 0 {
		t.Errorf("in flight after a panic = %v", v)
	}
}

func TestTokensIssuedByGrantType(t *testing.T) {
	m := New(nil)
	h := m.Middleware(testMux(t))
	form := "application/x-www-form-urlencoded"
	long := strings.Repeat("a", 3000)
	cases := []struct{ ct, body string }{
		{form, "grant_type=client_credentials&scope=read"},
		{form, "client_assertion=" + long + "&grant_type=client_credentials"},
		{form, "grant_type=refresh_token&refresh_token=x"},
		{"application/json; charset=utf-8", `{"grant_type":"authorization_code","code":"c"}`},
		{form, "grant_type=made%20up"},
		{form, "grant_type=client_credentials&fail=1"}, // a 400 is not an issued token
	}
	for _, c := range cases {
		w := serve(h, "POST", "/oidc/token", c.ct, c.body)
		if c.body != "grant_type=client_credentials&fail=1" && w.Body.String() != c.body {
			t.Fatalf("the handler read %q, want %q", w.Body.String(), c.body)
		}
	}
	want := map[string]float64{"client_credentials": 2, "refresh_token": 1, "authorization_code": 1, "other": 1}
	for gt, n := range want {
		if v := value(t, m, "gatehouse_oidc_tokens_issued_total", map[string]string{"grant_type": gt}); v != n {
			t.Errorf("tokens issued{%s} = %v, want %v", gt, v, n)
		}
	}
	if v := value(t, m, "gatehouse_oidc_tokens_issued_total", map[string]string{"grant_type": "made up"}); v != 0 {
		t.Error("an unknown grant_type became a label value")
	}
}

func TestSignInOutcomes(t *testing.T) {
	m := New(nil)
	h := m.Middleware(testMux(t))
	for _, s := range []string{"", "422", "422", "429", "503"} {
		serve(h, "POST", "/api/experience/verification/password?status="+s, "", "")
	}
	serve(h, "POST", "/api/experience/submit", "", "")
	for _, c := range []struct {
		step, outcome string
		want          float64
	}{
		{"verification/password", "success", 1},
		{"verification/password", "rejected", 2},
		{"verification/password", "rate_limited", 1},
		{"verification/password", "unavailable", 1},
		{"submit", "success", 1},
	} {
		if v := value(t, m, "gatehouse_sign_in_outcomes_total", map[string]string{"step": c.step, "outcome": c.outcome}); v != c.want {
			t.Errorf("sign-in %s/%s = %v, want %v", c.step, c.outcome, v, c.want)
		}
	}
}

func TestPoolStatsAndExposition(t *testing.T) {
	m := New(nil)
	var waits int64 = 5
	err := m.RegisterPools(func() map[string]sql.DBStats {
		waits++ // read once at registration, then once per scrape
		return map[string]sql.DBStats{"write": {MaxOpenConnections: 1, OpenConnections: 1, InUse: 1, WaitCount: waits, WaitDuration: 2 * time.Second}}
	})
	if err != nil {
		t.Fatal(err)
	}
	serve(m.Middleware(testMux(t)), "POST", "/api/experience/submit", "", "")
	w := serve(m.Handler(), "GET", "/metrics", "", "")
	out := w.Body.String()
	for _, want := range []string{
		`gatehouse_store_max_open_connections{pool="write"} 1`,
		`gatehouse_store_wait_count_total{pool="write"} 7`,
		`gatehouse_store_wait_seconds_total{pool="write"} 2`,
		`gatehouse_http_requests_total{code="200",route="POST /api/experience/submit"} 1`,
		`gatehouse_http_request_duration_seconds_bucket{route="POST /api/experience/submit",le="+Inf"} 1`,
		`gatehouse_http_request_duration_seconds_count{route="POST /api/experience/submit"} 1`,
		`gatehouse_sign_in_outcomes_total{outcome="success",step="submit"} 1`,
		"gatehouse_http_requests_in_flight 0\n",
		"go_goroutines ",
		"go_memstats_heap_inuse_bytes ",
		"go_gc_duration_seconds_count ",
		"process_resident_memory_bytes ",
		"process_cpu_seconds_total ",
		"process_open_fds ",
		"process_max_fds ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	_, types := parseExposition(t, out)
	for family, typ := range map[string]string{
		"gatehouse_http_request_duration_seconds":   "histogram",
		"gatehouse_http_requests_total":             "counter",
		"gatehouse_http_requests_in_flight":         "gauge",
		"gatehouse_oidc_tokens_issued_total":        "counter",
		"gatehouse_sign_in_outcomes_total":          "counter",
		"gatehouse_store_idle_connections":          "gauge",
		"gatehouse_store_in_use_connections":        "gauge",
		"gatehouse_store_max_open_connections":      "gauge",
		"gatehouse_store_open_connections":          "gauge",
		"gatehouse_store_max_idle_closed_total":     "counter",
		"gatehouse_store_max_lifetime_closed_total": "counter",
		"gatehouse_store_wait_count_total":          "counter",
		"gatehouse_store_wait_seconds_total":        "counter",
		"process_resident_memory_bytes":             "gauge",
	} {
		if types[family] != typ {
			t.Errorf("TYPE of %s = %q, want %q", family, types[family], typ)
		}
	}
	// The known grant types and the sign-in outcomes of a route seen are
	// exposed from zero, so a rate over them never starts from nothing.
	for gt := range knownGrantTypes {
		if !strings.Contains(out, `gatehouse_oidc_tokens_issued_total{grant_type="`+gt+`"} 0`+"\n") {
			t.Errorf("no zero series for grant_type %s", gt)
		}
	}
	if !strings.Contains(out, `gatehouse_sign_in_outcomes_total{outcome="rate_limited",step="submit"} 0`+"\n") {
		t.Error("no zero series for a sign-in outcome not seen yet")
	}
	if strings.Contains(out, `step="verification/password"`) {
		t.Error("a sign-in step exposed before its route served a request")
	}
	if v := value(t, m, "gatehouse_store_wait_count_total", map[string]string{"pool": "write"}); v != 8 {
		t.Errorf("wait count on the next scrape = %v, want 8 (the pools are read per scrape)", v)
	}
	if err := m.RegisterPools(func() map[string]sql.DBStats { return nil }); err == nil {
		t.Error("a second RegisterPools succeeded")
	}
}

func TestHistogramBuckets(t *testing.T) {
	m := New(nil)
	rm := m.route("GET /x")
	for _, v := range []float64{0.0001, 0.0002, 0.0003, 0.001, 3, 7} {
		rm.duration.Update(v)
	}
	w := serve(m.Handler(), "GET", "/metrics", "", "")
	out := w.Body.String()
	for le, want := range map[string]float64{"0.0002": 2, "0.0005": 3, "0.001": 4, "2.5": 4, "5": 5, "+Inf": 6} {
		if v := value(t, m, "gatehouse_http_request_duration_seconds_bucket", map[string]string{"route": "GET /x", "le": le}); v != want {
			t.Errorf("bucket le=%s = %v, want %v (cumulative, bounds inclusive)", le, v, want)
		}
	}
	if v := value(t, m, "gatehouse_http_request_duration_seconds_count", map[string]string{"route": "GET /x"}); v != 6 {
		t.Errorf("count = %v, want 6", v)
	}
	if v := value(t, m, "gatehouse_http_request_duration_seconds_sum", map[string]string{"route": "GET /x"}); v < 10.0015 || v > 10.0017 {
		t.Errorf("sum = %v, want 10.0016", v)
	}
	if n := strings.Count(out, "gatehouse_http_request_duration_seconds_bucket{"); n != len(latencyBuckets)+1 {
		t.Errorf("%d bucket lines, want %d", n, len(latencyBuckets)+1)
	}
}

// TestLabelValuesEscaped: the Set writes series names verbatim, so a
// route's label value must reach it escaped as the text format requires,
// and in a form the library accepts (it refuses raw line breaks, and it
// finds the end of a value by counting backslashes before a quote).
func TestLabelValuesEscaped(t *testing.T) {
	m := New(nil)
	for route, want := range map[string]string{
		"GET /a\\b\"c\nd":   `route="GET /a\\b\"c\nd"`,
		`GET /trailing\`:    `route="GET /trailing\\"`,
		`GET /x,y="z"} {a}`: `route="GET /x,y=\"z\"} {a}"`,
		"GET /\\\"\\\"end":  `route="GET /\\\"\\\"end"`,
	} {
		m.counter(m.route(route), 200).Inc()
		m.route(route).duration.Update(0.001)
		out := serve(m.Handler(), "GET", "/metrics", "", "").Body.String()
		for _, line := range []string{
			`gatehouse_http_requests_total{code="200",` + want + `} 1`,
			`gatehouse_http_request_duration_seconds_bucket{` + want + `,le="0.001"} 1`,
			`gatehouse_http_request_duration_seconds_count{` + want + `} 1`,
		} {
			if !strings.Contains(out, line+"\n") {
				t.Errorf("/metrics lacks %q", line)
			}
		}
		if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": route, "code": "200"}); v != 1 {
			t.Errorf("series of route %q read back as %v", route, v)
		}
	}
}

// TestConcurrentFirstUse: the series of a route are registered once even
// when its first requests arrive together (the Set panics on a duplicate).
func TestConcurrentFirstUse(t *testing.T) {
	m := New(nil)
	h := m.Middleware(testMux(t))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				serve(h, "GET", "/oidc/auth/abc", "", "")
				serve(h, "POST", "/api/experience/submit", "", "")
			}
		})
	}
	wg.Wait()
	if v := value(t, m, "gatehouse_http_requests_total", map[string]string{"route": "GET /oidc/auth/{uid}", "code": "302"}); v != 400 {
		t.Errorf("requests = %v, want 400", v)
	}
	if v := value(t, m, "gatehouse_sign_in_outcomes_total", map[string]string{"step": "submit", "outcome": "success"}); v != 400 {
		t.Errorf("sign-ins = %v, want 400", v)
	}
}

func TestAccessLogAtDebugWithoutQuery(t *testing.T) {
	var buf bytes.Buffer
	m := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	serve(m.Middleware(testMux(t)), "GET", "/oidc/auth/abc?code=secret-code", "", "")
	line := buf.String()
	for _, want := range []string{`msg="http request"`, "method=GET", "path=/oidc/auth/abc", `route="GET /oidc/auth/{uid}"`, "status=302", "duration_ms="} {
		if !strings.Contains(line, want) {
			t.Errorf("access log %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "secret-code") {
		t.Errorf("the query reached the log: %q", line)
	}

	buf.Reset()
	quiet := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	serve(quiet.Middleware(testMux(t)), "GET", "/oidc/auth/abc", "", "")
	if buf.Len() != 0 {
		t.Errorf("access log written at info level: %q", buf.String())
	}
}

func TestFormValue(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"grant_type=a", "a"},
		{"x=1&grant_type=b%3Ac&grant_type=z", "b:c"},
		{"xgrant_type=a", ""},
		{"grant_type=%zz", ""},
		{"", ""},
	} {
		if got := formValue([]byte(c.body), "grant_type"); got != c.want {
			t.Errorf("formValue(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

// BenchmarkMiddleware is the per-request cost the metrics add to the
// fastest routes (discovery, JWKS): compare with BenchmarkBare.
func BenchmarkMiddleware(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/jwks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) })
	h := New(nil).Middleware(mux)
	r := httptest.NewRequest("GET", "/oidc/jwks", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkBare(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/jwks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) })
	r := httptest.NewRequest("GET", "/oidc/jwks", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		mux.ServeHTTP(w, r)
	}
}

// TestHashingSeries: the password hashing statistics are read at each
// scrape, as counters, and register once.
func TestHashingSeries(t *testing.T) {
	m := New(nil)
	n, cpu := uint64(3), 75*time.Millisecond
	if err := m.RegisterHashing(func() (uint64, time.Duration) { return n, cpu }); err != nil {
		t.Fatal(err)
	}
	if got := value(t, m, "gatehouse_password_hashes_total", nil); got != 3 {
		t.Fatalf("hashes %v, want 3", got)
	}
	n, cpu = 4, 100*time.Millisecond
	if got := value(t, m, "gatehouse_password_hash_cpu_seconds_total", nil); got != 0.1 {
		t.Fatalf("hash CPU %v s, want 0.1", got)
	}
	_, types := parseExposition(t, serve(m.Handler(), "GET", "/metrics", "", "").Body.String())
	for _, name := range []string{"gatehouse_password_hashes_total", "gatehouse_password_hash_cpu_seconds_total"} {
		if types[name] != "counter" {
			t.Errorf("%s has TYPE %q, want counter", name, types[name])
		}
	}
	if err := m.RegisterHashing(func() (uint64, time.Duration) { return 0, 0 }); err == nil {
		t.Fatal("a second RegisterHashing succeeded")
	}
}

// TestProtectedHandler: with a token, /metrics answers only a scrape that
// presents it as a bearer token; without one, it is open.
func TestProtectedHandler(t *testing.T) {
	m := New(nil)
	const token = "0123456789abcdef-metrics"
	h := m.ProtectedHandler(token)
	for _, tt := range []struct {
		name, auth string
		want       int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer 0123456789abcdef-metricz", http.StatusUnauthorized},
		{"token as basic", "Basic " + token, http.StatusUnauthorized},
		{"prefix of the token", "Bearer 0123456789abcdef", http.StatusUnauthorized},
		{"right token", "Bearer " + token, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/metrics", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusUnauthorized {
				if w.Header().Get("WWW-Authenticate") == "" || strings.Contains(w.Body.String(), "go_") {
					t.Fatalf("401 without challenge or with metrics: %v %q", w.Header(), w.Body)
				}
			} else if !strings.Contains(w.Body.String(), "process_") {
				t.Fatalf("no metrics in %q", w.Body)
			}
		})
	}
	if w := serve(m.ProtectedHandler(""), "GET", "/metrics", "", ""); w.Code != http.StatusOK {
		t.Fatalf("no token configured: %d", w.Code)
	}
}
