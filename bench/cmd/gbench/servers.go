package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// server is one implementation under test.
type server interface {
	name() string  // short id: gatehouse-sqlite, node, hydra, ...
	label() string // for the table
	// prepare creates persistent state (schema, keys, clients) with a
	// first start; it leaves no server process running.
	prepare(rn *runner) error
	// startAux starts helper processes (Hydra's login app), pinned to the
	// server core; they run until the server's rows are done.
	startAux(rn *runner) ([]*proc, error)
	// start launches the server itself, pinned to the server core.
	start(rn *runner) (*proc, error)
	readyURL() string
	// setup creates what the workloads need on a running server.
	setup(rn *runner, p *proc) (*target, error)
}

// target is how to drive one running server.
type target struct {
	discovery, jwks *single
	cc              *single // client_credentials → JWT, ES256 where possible
	ccLogto         *single // node only: ES384, as Logto configures it
	introspect      func(accessToken string) *single
	userinfo        func(accessToken string) *single
	tokenURL        string // refresh_token grant
	spaClientID     string
	signin          func(hc *http.Client, user string) (tokenSet, error)
	users           []string
	na              map[string]string // workload → why not measured
	// hashCPU, when set, reads the server's own count of password hashes
	// and the CPU they took (Gatehouse's /metrics).
	hashCPU func() (n float64, cpu time.Duration, err error)
}

func checkJSONField(field string) func(resp) error {
	return func(r resp) error {
		if r.status != 200 {
			return fmt.Errorf("%s", r)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			return fmt.Errorf("not JSON: %s", r)
		}
		if _, ok := m[field]; !ok {
			return fmt.Errorf("no %q: %s", field, r)
		}
		return nil
	}
}

func getSingle(u, field string) *single {
	return &single{method: "GET", url: u, hdr: map[string]string{}, check: checkJSONField(field)}
}

func ccSingle(tokenURL, clientID, secret string, form url.Values) *single {
	return &single{
		method: "POST", url: tokenURL,
		hdr: map[string]string{
			"Authorization": basicAuth(clientID, secret),
			"Content-Type":  "application/x-www-form-urlencoded",
		},
		body: form.Encode(),
		check: func(r resp) error {
			t, err := parseTokens(r)
			if err != nil {
				return err
			}
			if jwtAlg(t.AccessToken) == "opaque" {
				return fmt.Errorf("access token is not a JWT")
			}
			return nil
		},
	}
}

func introspectSingle(u string, hdr map[string]string, token string) *single {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return &single{
		method: "POST", url: u, hdr: h,
		body: url.Values{"token": {token}}.Encode(),
		check: func(r resp) error {
			if r.status != 200 {
				return fmt.Errorf("%s", r)
			}
			var m struct {
				Active bool `json:"active"`
			}
			if json.Unmarshal(r.body, &m) != nil || !m.Active {
				return fmt.Errorf("token not active: %s", r)
			}
			return nil
		},
	}
}

func userinfoSingle(u, token string) *single {
	return &single{
		method: "GET", url: u,
		hdr:   map[string]string{"Authorization": "Bearer " + token},
		check: checkJSONField("sub"),
	}
}

// firstJSONObject extracts the first {...} document from CLI output that
// may carry log lines around it.
func firstJSONObject(out []byte, v any) error {
	s := string(out)
	for i := strings.IndexByte(s, '{'); i >= 0 && i < len(s); {
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		if err := dec.Decode(v); err == nil {
			return nil
		}
		j := strings.IndexByte(s[i+1:], '{')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return fmt.Errorf("no JSON object in output: %q", truncate(s, 400))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
