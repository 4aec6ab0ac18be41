// Package config reads Gatehouse's configuration once at start-up from the
// environment and command-line flags (flags win) into a typed Config. It is
// the only package that reads either; everything else receives typed values.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the validated configuration of one Gatehouse process.
type Config struct {
	// Endpoint is the public base URL without a trailing slash; the issuer
	// is Endpoint + "/oidc".
	Endpoint string
	// Addr is the listen address.
	Addr string
	// DatabaseURL is sqlite://path or postgres://...
	DatabaseURL string
	// SecretKey encrypts signing keys at rest and signs cookies (32 bytes).
	SecretKey []byte
	// SecretKeyGenerated reports that SecretKey was created in the data
	// directory on this start (SQLite only) so main can warn.
	SecretKeyGenerated bool
	// SMTPURL is smtp://user:pass@host:port; empty writes codes to the log.
	SMTPURL string
	// TrustProxy honours X-Forwarded-* headers.
	TrustProxy bool
	// SessionTTL is the browser session lifetime.
	SessionTTL time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// MetricsToken, when set, is the bearer token /metrics requires;
	// unset, /metrics is open (keep it off the public network then).
	MetricsToken string
}

// Issuer is the OP's issuer identifier.
func (c *Config) Issuer() string { return c.Endpoint + "/oidc" }

// SQLitePath returns the database file for a sqlite:// URL and ok=false for
// any other scheme.
func (c *Config) SQLitePath() (string, bool) {
	p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite://")
	return p, ok
}

// IsPostgres reports a PostgreSQL database URL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// Error names the variable that is wrong, so start-up can stop with one
// clear line.
type Error struct {
	Var     string
	Problem string
}

func (e *Error) Error() string { return e.Var + ": " + e.Problem }

// Load reads the environment through getenv and the flags in args (without
// the program name). Flags are the kebab-case names of the variables without
// the GATEHOUSE_ prefix, e.g. --database-url.
func Load(getenv func(string) string, args []string) (*Config, error) {
	vars := []string{"ENDPOINT", "ADDR", "DATABASE_URL", "SECRET_KEY", "SMTP_URL", "TRUST_PROXY", "SESSION_TTL", "LOG_LEVEL", "METRICS_TOKEN"}
	values := map[string]string{}
	fs := flag.NewFlagSet("gatehouse", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	flagValues := map[string]*string{}
	for _, v := range vars {
		values[v] = getenv("GATEHOUSE_" + v)
		name := strings.ToLower(strings.ReplaceAll(v, "_", "-"))
		flagValues[v] = fs.String(name, "", "overrides GATEHOUSE_"+v)
	}
	if err := fs.Parse(args); err != nil {
		return nil, &Error{Var: "flags", Problem: err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &Error{Var: "flags", Problem: "unexpected argument " + fs.Arg(0)}
	}
	for v, p := range flagValues {
		if *p != "" {
			values[v] = *p
		}
	}

	c := &Config{
		Endpoint:     orDefault(values["ENDPOINT"], "http://localhost:3001"),
		Addr:         orDefault(values["ADDR"], ":3001"),
		DatabaseURL:  orDefault(values["DATABASE_URL"], "sqlite://./data/gatehouse.db"),
		SMTPURL:      values["SMTP_URL"],
		LogLevel:     orDefault(values["LOG_LEVEL"], "info"),
		SessionTTL:   14 * 24 * time.Hour,
		MetricsToken: values["METRICS_TOKEN"],
	}
	// A token is a credential: it must be long enough not to guess.
	if t := c.MetricsToken; t != "" && (len(t) < 16 || strings.ContainsAny(t, " \t\r\n")) {
		return nil, &Error{Var: "GATEHOUSE_METRICS_TOKEN", Problem: "must be at least 16 characters without spaces, e.g. openssl rand -hex 16"}
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Var: "GATEHOUSE_ENDPOINT", Problem: "must be an absolute http(s) URL without query or fragment, e.g. https://auth.example.com"}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, &Error{Var: "GATEHOUSE_ADDR", Problem: "must be host:port or :port"}
	}
	if _, ok := c.SQLitePath(); !ok && !c.IsPostgres() {
		return nil, &Error{Var: "GATEHOUSE_DATABASE_URL", Problem: "must start with sqlite:// or postgres://"}
	}
	if p, ok := c.SQLitePath(); ok && p == "" {
		return nil, &Error{Var: "GATEHOUSE_DATABASE_URL", Problem: "sqlite:// needs a file path"}
	}
	if c.SMTPURL != "" {
		su, err := url.Parse(c.SMTPURL)
		if err != nil || (su.Scheme != "smtp" && su.Scheme != "smtps") || su.Host == "" {
			return nil, &Error{Var: "GATEHOUSE_SMTP_URL", Problem: "must look like smtp://user:pass@host:port"}
		}
	}
	switch strings.ToLower(values["TRUST_PROXY"]) {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		c.TrustProxy = true
	default:
		return nil, &Error{Var: "GATEHOUSE_TRUST_PROXY", Problem: "must be true or false"}
	}
	if s := values["SESSION_TTL"]; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 366*24*time.Hour {
			return nil, &Error{Var: "GATEHOUSE_SESSION_TTL", Problem: "must be a duration between 1m and 8784h, e.g. 336h"}
		}
		c.SessionTTL = d
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, &Error{Var: "GATEHOUSE_LOG_LEVEL", Problem: "must be debug, info, warn or error"}
	}
	if k := values["SECRET_KEY"]; k != "" {
		key, err := decodeKey(k)
		if err != nil {
			return nil, &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: err.Error()}
		}
		c.SecretKey = key
	} else if c.IsPostgres() {
		return nil, &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: "is required with PostgreSQL (every node must share it); generate one with: openssl rand -hex 32"}
	}
	return c, nil
}

// EnsureSecretKey loads the secret key from the SQLite data directory, or
// creates it there (mode 0600) on first start. Only for SQLite without
// GATEHOUSE_SECRET_KEY.
func (c *Config) EnsureSecretKey() error {
	if c.SecretKey != nil {
		return nil
	}
	p, ok := c.SQLitePath()
	if !ok {
		return &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: "is required"}
	}
	file := filepath.Join(filepath.Dir(p), "secret.key")
	if b, err := os.ReadFile(file); err == nil {
		key, err := decodeKey(strings.TrimSpace(string(b)))
		if err != nil {
			return &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: file + ": " + err.Error()}
		}
		c.SecretKey = key
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: "cannot read " + file + ": " + err.Error()}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return &Error{Var: "GATEHOUSE_DATABASE_URL", Problem: "cannot create data directory: " + err.Error()}
	}
	if err := os.WriteFile(file, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return &Error{Var: "GATEHOUSE_SECRET_KEY", Problem: "cannot write " + file + ": " + err.Error()}
	}
	c.SecretKey = key
	c.SecretKeyGenerated = true
	return nil
}

// decodeKey accepts 64 hex characters or base64 of 32 bytes.
func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("must be 32 bytes as 64 hex characters or base64")
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
