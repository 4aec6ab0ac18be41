package management

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
)

func newConnectorEnv(t *testing.T) (*testEnv, store.Store) {
	t.Helper()
	st := openSQLite(t)
	e := &testEnv{t: t, keys: newKeys(t, st), mux: http.NewServeMux(), logs: &bytes.Buffer{}}
	now := func() time.Time { return t0 }
	box, err := seal.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	New(Config{
		Auth:   NewAuthorizer(AuthConfig{Keys: e.keys, Issuer: issuer, Now: now}),
		Social: &social.Service{Store: st, Box: box, Now: now},
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		Now:    now,
	}).Mount(e.mux)
	return e, st
}

func TestConnectors(t *testing.T) {
	e, st := newConnectorEnv(t)
	authz := "Bearer " + e.token(good())

	wantStatus := func(r response, status int, code string) {
		t.Helper()
		if r.status != status || (code != "" && r.code() != code) {
			t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
		}
	}
	wantStatus(e.call("GET", "/api/connectors", "", ""), 401, "")
	r := e.call("POST", "/api/connectors", authz, `{"connectorId":"oidc","id":"acme","syncProfile":true,
		"config":{"discoveryUrl":"https://idp.example/.well-known/openid-configuration","clientId":"cid","clientSecret":"top-secret","scope":"email"},
		"metadata":{"target":"acme","name":{"en":"Acme"},"logo":"https://idp.example/logo.png"}}`)
	wantStatus(r, 200, "")
	if strings.Contains(r.raw, "top-secret") || r.body["type"] != "Social" || r.body["connectorId"] != "oidc" {
		t.Fatalf("created: %s", r.raw)
	}
	cfg := r.body["config"].(map[string]any)
	if cfg["issuer"] != "https://idp.example" || cfg["scope"] != "openid email" {
		t.Fatalf("config: %s", r.raw)
	}
	row, err := st.GetSocialConnector(t.Context(), "acme")
	if err != nil || bytes.Contains(row.SealedSecret, []byte("top-secret")) || len(row.SealedSecret) == 0 {
		t.Fatalf("stored secret: %v", err)
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"duplicate", "POST", "/api/connectors", `{"connectorId":"oidc","id":"acme","config":{"discoveryUrl":"https://idp.example","clientId":"x"}}`, 400, "connector.already_exists"},
		{"other factory", "POST", "/api/connectors", `{"connectorId":"google","config":{"clientId":"x"}}`, 404, "entity.not_found"},
		{"http issuer", "POST", "/api/connectors", `{"connectorId":"oidc","config":{"discoveryUrl":"http://idp.example","clientId":"x"}}`, 400, "guard.invalid_input"},
		{"no client id", "POST", "/api/connectors", `{"connectorId":"oidc","config":{"discoveryUrl":"https://idp.example"}}`, 400, "guard.invalid_input"},
		{"unknown field", "POST", "/api/connectors", `{"connectorId":"oidc","config":{"clientId":"x"},"x":1}`, 400, "guard.invalid_input"},
		{"get missing", "GET", "/api/connectors/nope", "", 404, "entity.not_found"},
		{"patch missing", "PATCH", "/api/connectors/nope", `{"syncProfile":false}`, 404, "entity.not_found"},
		{"patch bad url", "PATCH", "/api/connectors/acme", `{"config":{"discoveryUrl":"ftp://x"}}`, 400, "guard.invalid_input"},
		{"delete missing", "DELETE", "/api/connectors/nope", "", 404, "entity.not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(e.call(tc.method, tc.path, authz, tc.body), tc.status, tc.code)
		})
	}

	r = e.call("PATCH", "/api/connectors/acme", authz, `{"metadata":{"name":{"en":"Acme Corp"}},"syncProfile":false,"config":{"clientSecret":"rotated"}}`)
	wantStatus(r, 200, "")
	if r.body["syncProfile"] != false || r.body["metadata"].(map[string]any)["name"].(map[string]any)["en"] != "Acme Corp" {
		t.Fatalf("patched: %s", r.raw)
	}
	if status, raw := rawCall(e, "GET", "/api/connectors", authz); status != 200 || !strings.Contains(raw, `"id":"acme"`) {
		t.Fatalf("list: %d %s", status, raw)
	}
	wantStatus(e.call("GET", "/api/connectors/acme", authz, ""), 200, "")
	if status, raw := rawCall(e, "DELETE", "/api/connectors/acme", authz); status != 204 {
		t.Fatalf("delete: %d %s", status, raw)
	}
	if status, raw := rawCall(e, "GET", "/api/connectors", authz); status != 200 || strings.TrimSpace(raw) != "[]" {
		t.Fatalf("list after delete: %d %s", status, raw)
	}
	if strings.Contains(e.logs.String(), "top-secret") || strings.Contains(e.logs.String(), "rotated") {
		t.Fatal("a client secret reached the log")
	}
}

// rawCall is call for answers that are not JSON objects (lists, 204).
func rawCall(e *testEnv, method, path, authz string) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", authz)
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
