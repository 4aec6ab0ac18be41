package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// users runs "gatehouse users generate": it loads synthetic users for
// scale tests and benchmarks. User k (from --start) is <prefix>k, with
// e-mail <prefix>k@example.com and phone 1555 followed by k in eight
// digits, all with one password. The password is hashed once and the
// hash shared (same salt for every user): this is test data, never a way
// to create real accounts.
func users(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "generate" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// The generator needs only the store (no keys, no seeding), and the
	// bulk method, which the server's caching wrapper does not expose.
	cfgArgs, rest := splitConfigFlags(args[1:])
	cfg, ok := loadConfig(cfgArgs, getenv, stderr)
	if !ok {
		return 2
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return fail(stderr, "users generate", err)
	}
	defer st.Close()
	fs := flag.NewFlagSet("users generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 0, "number of users to create")
	start := fs.Int("start", 1, "index of the first user")
	batch := fs.Int("batch", 10000, "users per transaction")
	prefix := fs.String("prefix", "user", "username prefix")
	pw := fs.String("password", "", "password of every user (default: a random one, printed)")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	switch {
	case *count < 1:
		fmt.Fprintln(stderr, "gatehouse users generate: --count must be at least 1")
		return 2
	case *start < 0 || *batch < 1 || *batch > 100000:
		fmt.Fprintln(stderr, "gatehouse users generate: --start must be >= 0 and --batch between 1 and 100000")
		return 2
	case user.ValidateUsername(*prefix+"1") != nil:
		fmt.Fprintln(stderr, "gatehouse users generate: --prefix must start with a letter or _ and hold only letters, digits and _")
		return 2
	}
	bulk, ok := st.(store.BulkUsers)
	if !ok {
		return fail(stderr, "users generate", fmt.Errorf("this store cannot load users in bulk"))
	}
	if *pw == "" {
		*pw = id.NewSecret()
	}
	hash, err := password.Hash(*pw)
	if err != nil {
		return fail(stderr, "users generate", err)
	}

	began := time.Now()
	buf := make([]store.User, 0, *batch)
	end := *start + *count
	for first := *start; first < end; first += *batch {
		buf = buf[:0]
		now := time.Now()
		for k := first; k < min(first+*batch, end); k++ {
			buf = append(buf, store.User{
				Username:     fmt.Sprintf("%s%d", *prefix, k),
				PrimaryEmail: fmt.Sprintf("%s%d@example.com", *prefix, k),
				PrimaryPhone: fmt.Sprintf("1555%08d", k),
				PasswordHash: hash,
				CreatedAt:    now,
			})
		}
		if err := bulk.CreateUsers(ctx, buf); err != nil {
			return fail(stderr, fmt.Sprintf("users generate (users %d to %d)", first, first+len(buf)-1), err)
		}
		if done := first + len(buf) - *start; done%100000 < *batch && *count >= 100000 {
			fmt.Fprintf(stderr, "gatehouse: %d users in %s\n", done, time.Since(began).Round(time.Second))
		}
	}
	elapsed := time.Since(began)
	printJSON(stdout, map[string]any{
		"created":   *count,
		"first":     fmt.Sprintf("%s%d", *prefix, *start),
		"last":      fmt.Sprintf("%s%d", *prefix, end-1),
		"password":  *pw,
		"seconds":   elapsed.Seconds(),
		"perSecond": int(float64(*count) / max(elapsed.Seconds(), 1e-9)),
	})
	return 0
}
