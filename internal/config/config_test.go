package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "http://localhost:3001" || c.Issuer() != "http://localhost:3001/oidc" || c.Addr != ":3001" {
		t.Fatalf("defaults wrong: %+v", c)
	}
	if p, ok := c.SQLitePath(); !ok || p != "./data/gatehouse.db" {
		t.Fatalf("sqlite path = %q %v", p, ok)
	}
	if c.SessionTTL != 14*24*time.Hour {
		t.Fatalf("session ttl = %v", c.SessionTTL)
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	c, err := Load(env(map[string]string{"GATEHOUSE_ADDR": ":1"}), []string{"--addr", "127.0.0.1:9", "--endpoint", "https://auth.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9" || c.Endpoint != "https://auth.example.com" {
		t.Fatalf("got %+v", c)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad endpoint", map[string]string{"GATEHOUSE_ENDPOINT": "localhost:3001"}, nil, "GATEHOUSE_ENDPOINT"},
		{"endpoint with query", map[string]string{"GATEHOUSE_ENDPOINT": "http://x/?a=b"}, nil, "GATEHOUSE_ENDPOINT"},
		{"bad addr", map[string]string{"GATEHOUSE_ADDR": "3001"}, nil, "GATEHOUSE_ADDR"},
		{"bad database", map[string]string{"GATEHOUSE_DATABASE_URL": "mysql://x"}, nil, "GATEHOUSE_DATABASE_URL"},
		{"postgres without key", map[string]string{"GATEHOUSE_DATABASE_URL": "postgres://localhost/x"}, nil, "GATEHOUSE_SECRET_KEY"},
		{"short key", map[string]string{"GATEHOUSE_SECRET_KEY": "abcd"}, nil, "GATEHOUSE_SECRET_KEY"},
		{"bad smtp", map[string]string{"GATEHOUSE_SMTP_URL": "mail.example.com"}, nil, "GATEHOUSE_SMTP_URL"},
		{"bad bool", map[string]string{"GATEHOUSE_TRUST_PROXY": "maybe"}, nil, "GATEHOUSE_TRUST_PROXY"},
		{"bad ttl", map[string]string{"GATEHOUSE_SESSION_TTL": "1s"}, nil, "GATEHOUSE_SESSION_TTL"},
		{"short metrics token", map[string]string{"GATEHOUSE_METRICS_TOKEN": "secret"}, nil, "GATEHOUSE_METRICS_TOKEN"},
		{"metrics token with a space", nil, []string{"--metrics-token", "0123456789 abcdef"}, "GATEHOUSE_METRICS_TOKEN"},
		{"unknown flag", nil, []string{"--nope"}, "flags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env), tt.args)
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != tt.want {
				t.Fatalf("err = %v, want error naming %s", err, tt.want)
			}
		})
	}
}

func TestEnsureSecretKeyPersists(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "sub", "g.db")
	c1, err := Load(env(map[string]string{"GATEHOUSE_DATABASE_URL": db}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.EnsureSecretKey(); err != nil || !c1.SecretKeyGenerated || len(c1.SecretKey) != 32 {
		t.Fatalf("first start: %v %+v", err, c1)
	}
	st, err := os.Stat(filepath.Join(dir, "sub", "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, st)
	}
	c2, _ := Load(env(map[string]string{"GATEHOUSE_DATABASE_URL": db}), nil)
	if err := c2.EnsureSecretKey(); err != nil || c2.SecretKeyGenerated || string(c2.SecretKey) != string(c1.SecretKey) {
		t.Fatalf("second start must reuse the key: %v", err)
	}
	hexKey := strings.Repeat("ab", 32)
	c3, err := Load(env(map[string]string{"GATEHOUSE_SECRET_KEY": hexKey}), nil)
	if err != nil || len(c3.SecretKey) != 32 {
		t.Fatalf("hex key: %v", err)
	}
}
