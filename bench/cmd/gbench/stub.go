package main

import (
	"flag"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
)

// cmdStub serves discovery.json and jwks.json from dir as pre-encoded bytes:
// the plain net/http ceiling that spec/quality.md compares discovery and
// JWKS against. Same paths as Gatehouse, so the same workload runs on it.
func cmdStub(args []string) error {
	fs := flag.NewFlagSet("stub", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:18090", "listen address (loopback)")
	dir := fs.String("dir", ".", "directory holding discovery.json and jwks.json")
	_ = fs.Parse(args)

	discovery, err := os.ReadFile(filepath.Join(*dir, "discovery.json"))
	if err != nil {
		return err
	}
	jwks, err := os.ReadFile(filepath.Join(*dir, "jwks.json"))
	if err != nil {
		return err
	}
	static := func(body []byte) http.Handler {
		n := strconv.Itoa(len(body))
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{n}
			_, _ = w.Write(body)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /oidc/.well-known/openid-configuration", static(discovery))
	mux.Handle("GET /oidc/jwks", static(jwks))
	srv := &http.Server{Addr: *addr, Handler: mux}
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM, os.Interrupt)
		<-c
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
