package main

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/crypto/argon2"
)

// Gatehouse's password parameters (internal/password.DefaultParams): every
// server in the benchmark verifies the same argon2id work per sign-in.
const (
	argonMemory = 19456
	argonTime   = 2
	argonKeyLen = 32
)

type argonHash struct{ salt, key []byte }

func newArgonHash(password string) argonHash {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return argonHash{salt, argon2.IDKey([]byte(password), salt, argonTime, argonMemory, 1, argonKeyLen)}
}

func (h argonHash) verify(password string) bool {
	k := argon2.IDKey([]byte(password), h.salt, argonTime, argonMemory, 1, argonKeyLen)
	return subtle.ConstantTimeCompare(k, h.key) == 1
}

// cmdHydraLogin is the login and consent app the Hydra row needs. The load
// generator posts credentials to it (JSON); it verifies the argon2id hash,
// accepts the challenge through Hydra's admin API and answers 303 to the
// redirect_to Hydra returned.
//
//	POST /login   {"login_challenge","username","password"}
//	POST /consent {"consent_challenge"}
func cmdHydraLogin(args []string) error {
	fs := flag.NewFlagSet("hydra-login", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:18446", "listen address (loopback)")
	admin := fs.String("admin", "http://127.0.0.1:18445", "Hydra admin URL (loopback)")
	nUsers := fs.Int("users", 8, "users bench0..benchN-1")
	password := fs.String("password", benchPassword, "their password")
	_ = fs.Parse(args)
	if err := mustLoopback(*admin); err != nil {
		return err
	}

	users := map[string]argonHash{}
	for i := 0; i < *nUsers; i++ {
		users[fmt.Sprintf("bench%d", i)] = newArgonHash(*password)
	}
	hc := &http.Client{Transport: loopbackTransport(64), Timeout: 30 * time.Second}

	adminJSON := func(method, path string, in any, out any) error {
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, *admin+path, body)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return json.Unmarshal(b, out)
	}
	fail := func(w http.ResponseWriter, code int, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	}
	redirect := func(w http.ResponseWriter, to string) {
		w.Header().Set("Location", to)
		w.WriteHeader(http.StatusSeeOther)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Challenge string `json:"login_challenge"`
			Username  string `json:"username"`
			Password  string `json:"password"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			fail(w, 400, err)
			return
		}
		h, ok := users[in.Username]
		if !ok || !h.verify(in.Password) {
			fail(w, 422, fmt.Errorf("invalid credentials"))
			return
		}
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := adminJSON("PUT", "/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(in.Challenge),
			map[string]any{"subject": in.Username, "remember": false}, &out)
		if err != nil {
			fail(w, 502, err)
			return
		}
		redirect(w, out.RedirectTo)
	})
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Challenge string `json:"consent_challenge"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			fail(w, 400, err)
			return
		}
		q := "?consent_challenge=" + url.QueryEscape(in.Challenge)
		var cr struct {
			RequestedScope    []string `json:"requested_scope"`
			RequestedAudience []string `json:"requested_access_token_audience"`
		}
		if err := adminJSON("GET", "/admin/oauth2/auth/requests/consent"+q, nil, &cr); err != nil {
			fail(w, 502, err)
			return
		}
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := adminJSON("PUT", "/admin/oauth2/auth/requests/consent/accept"+q, map[string]any{
			"grant_scope":                 cr.RequestedScope,
			"grant_access_token_audience": cr.RequestedAudience,
			"remember":                    false,
		}, &out)
		if err != nil {
			fail(w, 502, err)
			return
		}
		redirect(w, out.RedirectTo)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

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
