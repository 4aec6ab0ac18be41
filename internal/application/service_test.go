package application

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	base := func(typ string) *store.Application {
		return &store.Application{Name: "App", Type: typ}
	}
	with := func(typ string, f func(a *store.Application)) *store.Application {
		a := base(typ)
		f(a)
		return a
	}
	tests := []struct {
		name string
		app  *store.Application
		code string // "" means valid
	}{
		{"spa ok", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"https://app.example.com/cb", "http://localhost:3000/cb"}
		}), ""},
		{"unknown type", base("Protected"), "application.invalid_type"},
		{"empty name", with(store.AppSPA, func(a *store.Application) { a.Name = "  " }), "application.invalid_name"},
		{"long name", with(store.AppSPA, func(a *store.Application) { a.Name = strings.Repeat("é", 257) }), "application.invalid_name"},
		{"256 rune name", with(store.AppSPA, func(a *store.Application) { a.Name = strings.Repeat("é", 256) }), ""},
		{"m2m third party", with(store.AppMachineToMachine, func(a *store.Application) { a.IsThirdParty = true }), "application.invalid_third_party_application_type"},
		{"native third party ok", with(store.AppNative, func(a *store.Application) { a.IsThirdParty = true }), ""},
		{"m2m redirect", with(store.AppMachineToMachine, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"https://a.example/cb"}
		}), "application.invalid_redirect_uri"},
		{"relative", with(store.AppSPA, func(a *store.Application) { a.OIDCClientMetadata.RedirectURIs = []string{"/cb"} }), "application.invalid_redirect_uri"},
		{"fragment", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"https://a.example/cb#x"}
		}), "application.invalid_redirect_uri"},
		{"http non-loopback", with(store.AppTraditional, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"http://a.example/cb"}
		}), "application.invalid_redirect_uri"},
		{"wildcard", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"https://*.example.com/cb"}
		}), "application.invalid_redirect_uri"},
		{"custom scheme native", with(store.AppNative, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"com.example.app:/callback"}
		}), ""},
		{"custom scheme spa", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"com.example.app:/callback"}
		}), "application.invalid_redirect_uri"},
		{"javascript scheme native", with(store.AppNative, func(a *store.Application) {
			a.OIDCClientMetadata.RedirectURIs = []string{"javascript:alert(1)"}
		}), "application.invalid_redirect_uri"},
		{"post logout bad", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.PostLogoutRedirectURIs = []string{"ftp://x"}
		}), "application.invalid_post_logout_redirect_uri"},
		{"cors path", with(store.AppSPA, func(a *store.Application) {
			a.CustomClientMetadata.CORSAllowedOrigins = []string{"https://a.example/path"}
		}), "application.invalid_cors_origin"},
		{"cors ok", with(store.AppSPA, func(a *store.Application) {
			a.CustomClientMetadata.CORSAllowedOrigins = []string{"https://a.example", "http://localhost:5173"}
		}), ""},
		{"rt ttl 0 is default", with(store.AppTraditional, func(a *store.Application) {}), ""},
		{"rt ttl 180", with(store.AppTraditional, func(a *store.Application) { a.CustomClientMetadata.RefreshTokenTTLInDays = 180 }), ""},
		{"rt ttl 181", with(store.AppTraditional, func(a *store.Application) { a.CustomClientMetadata.RefreshTokenTTLInDays = 181 }), "application.invalid_refresh_token_ttl"},
		{"rt ttl negative", with(store.AppTraditional, func(a *store.Application) { a.CustomClientMetadata.RefreshTokenTTLInDays = -1 }), "application.invalid_refresh_token_ttl"},
		{"custom data array", with(store.AppSPA, func(a *store.Application) { a.CustomData = json.RawMessage(`[1]`) }), "application.invalid_custom_data"},
		{"custom data junk", with(store.AppSPA, func(a *store.Application) { a.CustomData = json.RawMessage(`{x`) }), "application.invalid_custom_data"},
		{"custom data big", with(store.AppSPA, func(a *store.Application) {
			a.CustomData = json.RawMessage(`{"a":"` + strings.Repeat("x", 17000) + `"}`)
		}), "application.custom_data_too_large"},
		{"always issue on native", with(store.AppNative, func(a *store.Application) { a.CustomClientMetadata.AlwaysIssueRefreshToken = true }), "application.invalid_always_issue_refresh_token"},
		{"id token alg", with(store.AppSPA, func(a *store.Application) { a.OIDCClientMetadata.IDTokenSignedResponseAlg = "HS256" }), "application.invalid_id_token_alg"},
		{"public with secret method", with(store.AppSPA, func(a *store.Application) {
			a.OIDCClientMetadata.TokenEndpointAuthMethod = MethodSecretBasic
		}), "application.invalid_token_endpoint_auth_method"},
	}
	s := &Service{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Validate(tc.app)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Code != tc.code || ve.Field == "" {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestCreateAndAuthenticate(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s := &Service{Store: st, Now: func() time.Time { return now }}
	ctx := t.Context()

	spa, secret, err := s.CreateWithID(ctx, "demo-app", CreateInput{Name: "Demo", Type: store.AppSPA,
		RedirectURIs: []string{"http://localhost:3001/demo-app"}})
	if err != nil || secret != "" || spa.ID != "demo-app" || !IsPublic(spa) {
		t.Fatalf("demo app: %v %q", err, secret)
	}
	if _, _, err := s.CreateWithID(ctx, "demo-app", CreateInput{Name: "Demo", Type: store.AppSPA}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := s.Authenticate(ctx, "demo-app", ""); !errors.Is(err, ErrInvalidClient) {
		t.Fatal("public client authenticated by secret")
	}

	m2m, secret, err := s.Create(ctx, CreateInput{Name: "Robot", Type: store.AppMachineToMachine,
		CustomData: json.RawMessage(`{"k":1}`)})
	if err != nil || len(secret) != 32 || len(m2m.ID) != 21 || IsPublic(m2m) {
		t.Fatalf("m2m: %v %q %q", err, secret, m2m.ID)
	}
	secrets, _ := st.ListApplicationSecrets(ctx, m2m.ID)
	if len(secrets) != 1 || secrets[0].Name != DefaultSecretName || string(secrets[0].Hash) == secret {
		t.Fatalf("stored secrets %+v", secrets)
	}
	got, err := s.Authenticate(ctx, m2m.ID, secret)
	if err != nil || got.ID != m2m.ID {
		t.Fatalf("authenticate: %v", err)
	}
	for name, tc := range map[string][2]string{
		"wrong secret":   {m2m.ID, secret[:31] + "x"},
		"empty secret":   {m2m.ID, ""},
		"unknown client": {"nope", secret},
	} {
		if _, err := s.Authenticate(ctx, tc[0], tc[1]); !errors.Is(err, ErrInvalidClient) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A second, expiring secret works until it expires; the first keeps working.
	second, err := s.NewSecret(ctx, m2m.ID, "rotation", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, m2m.ID, second); err != nil {
		t.Fatalf("second secret: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Authenticate(ctx, m2m.ID, second); !errors.Is(err, ErrInvalidClient) {
		t.Fatal("expired secret accepted")
	}
	if _, err := s.Authenticate(ctx, m2m.ID, secret); err != nil {
		t.Fatal("first secret stopped working")
	}

	if _, _, err := s.Create(ctx, CreateInput{Name: "Bad", Type: "Nope"}); err == nil {
		t.Fatal("invalid app created")
	}
	if !RotateRefreshToken(spa) || RefreshTokenTTLDays(spa) != 14 {
		t.Fatal("defaults")
	}
	spa.CustomClientMetadata.RotateRefreshToken = ptr(false)
	if RotateRefreshToken(spa) {
		t.Fatal("explicit false")
	}
}
