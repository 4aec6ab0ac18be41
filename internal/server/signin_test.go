package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/management"
	"github.com/gatehouse/gatehouse/internal/store"
)

// openWith opens a server on the SQLite file at path with extra settings.
func openWith(t *testing.T, path string, extra map[string]string) *Server {
	t.Helper()
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     "http://127.0.0.1:3999",
		"GATEHOUSE_DATABASE_URL": "sqlite://" + path,
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("ab", 32),
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSeedManagementAPI: the resource, its scope and the M2M role exist
// after the first start, once, however often the server starts.
func TestSeedManagementAPI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	for range 2 {
		s := openWith(t, path, nil)
		ctx := t.Context()
		res, err := s.Store.GetResourceByIndicator(ctx, management.DefaultIndicator)
		if err != nil || res.ID != ManagementResourceID {
			t.Fatalf("resource %+v, %v", res, err)
		}
		scopes, _ := s.Store.ListScopes(ctx, res.ID)
		if len(scopes) != 1 || scopes[0].Name != "all" {
			t.Fatalf("scopes %+v", scopes)
		}
		role, err := s.Store.GetRoleByName(ctx, ManagementRoleName)
		if err != nil || role.Type != store.RoleMachineToMachine {
			t.Fatalf("role %+v, %v", role, err)
		}
		held, _ := s.Store.ListRoleScopes(ctx, role.ID)
		if len(held) != 1 || held[0].ID != scopes[0].ID {
			t.Fatalf("role scopes %+v", held)
		}
		roles, _, _ := s.Store.ListRoles(ctx, store.Page{Size: 100})
		if n := slices.IndexFunc(roles, func(r store.Role) bool { return r.Name == ManagementRoleName }); n < 0 || len(roles) != 1 {
			t.Fatalf("roles %+v", roles)
		}
		s.Close()
	}
}

// TestMessagingModes: without SMTP codes go to the log on both channels;
// with SMTP, e-mail is sent and SMS is unavailable.
func TestMessagingModes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		smtp  string
		phone bool
	}{
		{"development", "", true},
		{"smtp", "smtp://127.0.0.1:2525", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openWith(t, filepath.Join(t.TempDir(), "g.db"), map[string]string{"GATEHOUSE_SMTP_URL": tc.smtp})
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/.well-known/sign-in-exp", nil))
			var doc struct {
				ID             string `json:"id"`
				ForgotPassword struct {
					Email bool `json:"email"`
					Phone bool `json:"phone"`
				} `json:"forgotPassword"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if doc.ID != "default" || !doc.ForgotPassword.Email || doc.ForgotPassword.Phone != tc.phone {
				t.Fatalf("%s", rec.Body)
			}
			if s.signIn.codes.SMS != nil != tc.phone {
				t.Fatal("SMS sender wiring does not match the channel")
			}
		})
	}
	if _, err := config.Load(func(k string) string {
		return map[string]string{"GATEHOUSE_SMTP_URL": "smtp://"}[k]
	}, nil); err == nil {
		t.Fatal("an SMTP URL without a host was accepted")
	}
}

// TestManagementMounted: the Management API answers with its own errors.
func TestManagementMounted(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "g.db"), nil)
	for _, path := range []string{"/api/sign-in-exp", "/api/applications"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "auth.authorization_header_missing") {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/status", nil))
	if rec.Code/100 != 2 {
		t.Fatalf("/api/status: %d", rec.Code)
	}
}
