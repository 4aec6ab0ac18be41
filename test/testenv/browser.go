package testenv

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
)

// ChromiumEnv names the Chromium binary the browser tests drive.
const ChromiumEnv = "GATEHOUSE_TEST_CHROMIUM"

// ChromiumPath returns $GATEHOUSE_TEST_CHROMIUM. Unset, the test is
// skipped with a message saying how to run it, except in CI (CI=true),
// where the browser tests must never be skipped and the test fails.
func ChromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv(ChromiumEnv)
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the browser tests (.ci/run installs Debian's chromium and sets it)", ChromiumEnv)
		}
		t.Skipf("set %s=/usr/bin/chromium (Debian package chromium) to run the browser tests", ChromiumEnv)
	}
	return p
}

// NewChrome starts a headless Chromium with a fresh profile and returns a
// chromedp context for one tab. The browser stops when the test ends.
// width and height set the window (and so the viewport) size.
func NewChrome(t *testing.T, width, height int) context.Context {
	t.Helper()
	exec := ChromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, without a deadline (a deadline on the first
	// run would stop the whole browser when it expires).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", exec, err)
	}
	return ctx
}

// StartOnLocalhost starts a server like Start, on a fresh SQLite file,
// with its endpoint on http://localhost:<port> rather than 127.0.0.1 (a
// WebAuthn relying party ID must be a domain, never an IP address), and
// with extra configuration variables (GATEHOUSE_SMTP_URL, …).
func StartOnLocalhost(t *testing.T, extraEnv map[string]string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	endpoint := "http://localhost:" + port
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     endpoint,
		"GATEHOUSE_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "gatehouse.db"),
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("42", 32),
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.Open(t.Context(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return &Server{Server: srv, URL: endpoint}
}

// HasRoute reports whether the server implements method path: unknown
// Experience API and /api paths answer 404 request.not_found, known ones
// anything else (typically session.not_found without an interaction).
func (s *Server) HasRoute(t *testing.T, method, path string) bool {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.URL)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return !(resp.StatusCode == http.StatusNotFound && strings.Contains(string(body), `"request.not_found"`)) &&
		resp.StatusCode != http.StatusMethodNotAllowed
}
