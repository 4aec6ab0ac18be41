package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
)

// TestBootstrap runs `gatehouse bootstrap` twice on one database: each run
// prints new credentials once, as JSON on stdout, for an M2M app that
// holds the Management API's "all" scope.
func TestBootstrap(t *testing.T) {
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     "https://auth.example.com",
		"GATEHOUSE_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "gatehouse.db"),
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("ab", 32),
	}
	getenv := func(k string) string { return env[k] }
	type creds struct {
		ID            string `json:"id"`
		Secret        string `json:"secret"`
		Resource      string `json:"resource"`
		TokenEndpoint string `json:"tokenEndpoint"`
	}
	var runs []creds
	for _, args := range [][]string{{"bootstrap"}, {"bootstrap", "--name", "CI deploy"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		var c creds
		dec := json.NewDecoder(&stdout)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("stdout is not the credentials JSON: %v", err)
		}
		if c.ID == "" || len(c.Secret) < 32 || c.Resource != "https://default.logto.app/api" ||
			c.TokenEndpoint != "https://auth.example.com/oidc/token" {
			t.Fatalf("credentials %+v", c)
		}
		if strings.Contains(stderr.String(), c.Secret) {
			t.Fatal("the secret reached the log")
		}
		runs = append(runs, c)
	}
	if runs[0].ID == runs[1].ID {
		t.Fatal("both runs made the same app")
	}

	cfg, err := config.Load(getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	res, err := srv.Store.GetResourceByIndicator(t.Context(), "https://default.logto.app/api")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range runs {
		scopes, err := srv.Store.ApplicationResourceScopes(t.Context(), c.ID, res.ID)
		if err != nil || !slices.Contains(scopes, "all") {
			t.Fatalf("app %s holds %v, %v", c.ID, scopes, err)
		}
		if _, err := srv.Apps.Authenticate(t.Context(), c.ID, c.Secret); err != nil {
			t.Fatalf("secret: %v", err)
		}
	}
	named, _ := srv.Store.GetApplication(t.Context(), runs[1].ID)
	if named.Name != "CI deploy" || named.Type != "MachineToMachine" {
		t.Fatalf("app %+v", named)
	}

	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"bootstrap", "extra"}, getenv, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
		t.Fatalf("bad usage: exit %d, stdout %q", code, stdout.String())
	}
}
