package resilience

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestGeneratedUsersSignIn checks the generator end to end on a small
// count: the users exist with the documented identifiers and sign in with
// the given password through the Experience API.
func TestGeneratedUsersSignIn(t *testing.T) {
	n := newNode(t, "gatehouse", "sqlite://"+filepath.Join(t.TempDir(), "g.db"), "")
	var out struct {
		Created     int
		First, Last string
	}
	n.cli(&out, "users", "generate", "--count", "1500", "--start", "10", "--batch", "400", "--password", testPassword)
	if out.Created != 1500 || out.First != "user10" || out.Last != "user1509" {
		t.Fatalf("generate answered %+v", out)
	}
	var spa app
	n.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	spa.Redirect = "http://127.0.0.1:9/cb"
	// A second run over the same names clashes and adds nothing.
	cmd := exactCLI(n, "users", "generate", "--count", "10", "--start", "1500")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "conflict") {
		t.Fatalf("overlapping generate: err=%v output=%s", err, out)
	}
	db := openDB(t, n.dbURL)
	var count int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM users`).Scan(&count); err != nil || count != 1500 {
		t.Fatalf("users in the table: %d %v", count, err)
	}
	var email, phone string
	if err := db.QueryRowContext(t.Context(), `SELECT primary_email, primary_phone FROM users WHERE username = 'user777'`).Scan(&email, &phone); err != nil ||
		email != "user777@example.com" || phone != "155500000777" {
		t.Fatalf("user777: %q %q %v", email, phone, err)
	}

	n.start()
	c := &http.Client{Timeout: 30 * time.Second}
	b := newBrowser(n.endpoint, nil)
	p := newPKCE()
	if err := b.authorize(spa, p); err != nil {
		t.Fatal(err)
	}
	redirectTo, err := b.signIn("user1509", testPassword)
	if err != nil {
		t.Fatalf("sign-in as a generated user: %v", err)
	}
	code, err := b.callback(redirectTo, spa, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exchange(c, n.endpoint, spa, code, p); err != nil {
		t.Fatal(err)
	}
}

// TestScaleLatency measures sign-in and token latency with 1,000 and with
// 1,000,000 users, on both backends, and prints the figures and the plans
// of the user lookups at 1M (quality.md: within 20 % of each other). Both
// databases are served at once and every measurement alternates between
// them, so load from elsewhere on the machine hits both sides alike.
// It loads a million users per backend, so it runs only with
// GATEHOUSE_TEST_SCALE=1 (about 2 minutes on two cores);
// GATEHOUSE_TEST_SCALE_USERS overrides the large count.
func TestScaleLatency(t *testing.T) {
	if os.Getenv("GATEHOUSE_TEST_SCALE") == "" {
		t.Skip("set GATEHOUSE_TEST_SCALE=1 to load 1,000,000 users per backend and measure latency")
	}
	big := 1000000
	if s := os.Getenv("GATEHOUSE_TEST_SCALE_USERS"); s != "" {
		var err error
		if big, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	run := func(t *testing.T, fresh func() string) {
		sides := []*scaleSide{prepareScale(t, fresh(), 1000), prepareScale(t, fresh(), big)}
		res := measureScale(t, sides)
		small, large := sides[0], sides[1]
		var sb strings.Builder
		fmt.Fprintf(&sb, "\n%-40s %12s %12s %7s\n", "median latency", fmt.Sprintf("%d users", small.size), fmt.Sprintf("%d users", large.size), "ratio")
		for _, name := range res.order {
			a, b := res.median[name][0], res.median[name][1]
			fmt.Fprintf(&sb, "%-40s %12s %12s %7.2f\n", name, a.Round(time.Microsecond), b.Round(time.Microsecond), float64(b)/float64(a))
		}
		fmt.Fprintf(&sb, "generation: %d users in %s; %d users in %s\n", small.size, small.generate.Round(time.Millisecond), large.size, large.generate.Round(time.Second))
		fmt.Fprintf(&sb, "plans at %d users:\n%s", large.size, large.plans)
		t.Log(sb.String())
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, func() string { return "sqlite://" + filepath.Join(t.TempDir(), "g.db") })
	})
	t.Run("postgres", func(t *testing.T) {
		base := postgresURL(t)
		run(t, func() string { return pgSchema(t, base) })
	})
}

// scaleSide is one database of the comparison and its running node.
type scaleSide struct {
	size     int
	n        *node
	spa      app
	st       store.Store
	generate time.Duration
	plans    string
	tokens   []*tokenSet
}

// prepareScale loads size users, proves the lookups' plans, and starts a
// node on the database.
func prepareScale(t *testing.T, dbURL string, size int) *scaleSide {
	sd := &scaleSide{size: size}
	sd.n = newNode(t, fmt.Sprintf("gatehouse (%d users)", size), dbURL, "")
	start := time.Now()
	sd.n.cli(nil, "users", "generate", "--count", strconv.Itoa(size), "--password", testPassword)
	sd.generate = time.Since(start)
	sd.n.cli(&sd.spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	sd.spa.Redirect = "http://127.0.0.1:9/cb"
	db := openDB(t, dbURL)
	sqlite := strings.HasPrefix(dbURL, "sqlite://")
	if _, err := db.ExecContext(t.Context(), "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, c := range hotQueries[:4] {
		plan := explainPlan(t, db, sqlite, false, c)
		checkPlan(t, sqlite, c, plan)
		sd.plans += c.name + ": " + strings.ReplaceAll(plan, "\n", " | ") + "\n"
	}
	sd.n.start()
	sd.st = openStore(t, dbURL)
	return sd
}

// scaleResult holds the median of each measurement per side.
type scaleResult struct {
	order   []string
	samples map[string][2][]time.Duration
	median  map[string][2]time.Duration
}

func (r *scaleResult) add(name string, side int, d time.Duration) {
	if _, ok := r.samples[name]; !ok {
		r.order = append(r.order, name)
	}
	s := r.samples[name]
	s[side] = append(s[side], d)
	r.samples[name] = s
}

// measureScale measures, alternating between the sides, with a random
// user each time: the store's identifier lookups; the Experience API
// password step; a whole sign-in (authorize to tokens); the code exchange,
// refresh and userinfo calls. The first tenth of each series is warm-up.
func measureScale(t *testing.T, sides []*scaleSide) *scaleResult {
	res := &scaleResult{samples: map[string][2][]time.Duration{}, median: map[string][2]time.Duration{}}
	warm := map[string]int{}
	record := func(name string, side, i, total int, d time.Duration) {
		warm[name] = total / 10
		if i >= warm[name] {
			res.add(name, side, d)
		}
	}
	// Alternate which side goes first, so neither always follows the other.
	each := func(i int, f func(side int, sd *scaleSide)) {
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, side := range order {
			f(side, sides[side])
		}
	}

	lookups := []struct {
		name string
		get  func(st store.Store, k int) (*store.User, error)
	}{
		{"store: user by username", func(st store.Store, k int) (*store.User, error) {
			return st.GetUserByUsername(t.Context(), fmt.Sprintf("user%d", k))
		}},
		{"store: user by email", func(st store.Store, k int) (*store.User, error) {
			return st.GetUserByEmail(t.Context(), fmt.Sprintf("user%d@example.com", k))
		}},
		{"store: user by phone", func(st store.Store, k int) (*store.User, error) {
			return st.GetUserByPhone(t.Context(), fmt.Sprintf("1555%08d", k))
		}},
	}
	for _, l := range lookups {
		const total = 3000
		for i := range total {
			each(i, func(side int, sd *scaleSide) {
				k := 1 + rand.IntN(sd.size)
				t0 := time.Now()
				u, err := l.get(sd.st, k)
				d := time.Since(t0)
				if err != nil || u.Username != fmt.Sprintf("user%d", k) {
					t.Fatalf("%s %d: %v", l.name, k, err)
				}
				record(l.name, side, i, total, d)
			})
		}
	}

	c := &http.Client{Timeout: 30 * time.Second}
	const signIns = 30
	for i := range signIns {
		each(i, func(side int, sd *scaleSide) {
			b := newBrowser(sd.n.endpoint, nil)
			p := newPKCE()
			username := fmt.Sprintf("user%d", 1+rand.IntN(sd.size))
			t0 := time.Now()
			if err := b.authorize(sd.spa, p); err != nil {
				t.Fatal(err)
			}
			if err := b.api("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil); err != nil {
				t.Fatal(err)
			}
			var v struct {
				VerificationID string `json:"verificationId"`
			}
			t1 := time.Now()
			if err := b.api("POST", "/api/experience/verification/password", map[string]any{
				"identifier": map[string]string{"type": "username", "value": username}, "password": testPassword,
			}, &v); err != nil {
				t.Fatalf("password for %s: %v", username, err)
			}
			record("http: password verification step", side, i, signIns, time.Since(t1))
			if err := b.api("POST", "/api/experience/identification", map[string]any{"verificationId": v.VerificationID}, nil); err != nil {
				t.Fatal(err)
			}
			redirectTo, err := b.submit()
			if err != nil {
				t.Fatal(err)
			}
			code, err := b.callback(redirectTo, sd.spa, p)
			if err != nil {
				t.Fatal(err)
			}
			t2 := time.Now()
			ts, err := exchange(c, sd.n.endpoint, sd.spa, code, p)
			if err != nil {
				t.Fatal(err)
			}
			record("http: code exchange", side, i, signIns, time.Since(t2))
			record("http: whole sign-in (authorize→tokens)", side, i, signIns, time.Since(t0))
			sd.tokens = append(sd.tokens, ts)
		})
	}
	const refreshes = 400
	for i := range refreshes {
		each(i, func(side int, sd *scaleSide) {
			j := i % len(sd.tokens)
			t0 := time.Now()
			ts, err := refresh(c, sd.n.endpoint, sd.spa, sd.tokens[j].RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			record("http: refresh grant", side, i, refreshes, time.Since(t0))
			sd.tokens[j] = ts
			t1 := time.Now()
			if _, err := userinfo(c, sd.n.endpoint, ts.AccessToken); err != nil {
				t.Fatal(err)
			}
			record("http: userinfo", side, i, refreshes, time.Since(t1))
		})
	}
	for name, s := range res.samples {
		var m [2]time.Duration
		for side := range 2 {
			slices.Sort(s[side])
			m[side] = s[side][len(s[side])/2]
		}
		res.median[name] = m
	}
	return res
}

// openStore opens the database the way the server does, to time the
// store's own lookups.
func openStore(t *testing.T, dbURL string) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if p, ok := strings.CutPrefix(dbURL, "sqlite://"); ok {
		st, err = sqlite.Open(t.Context(), p)
	} else {
		st, err = postgres.Open(t.Context(), dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
