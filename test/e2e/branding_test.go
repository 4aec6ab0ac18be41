package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestPerAppBranding: the sign-in page asks for the settings with the
// app's ID (as Logto's UI does) and gets that app's logo, colour, links and
// name over the global branding; other apps keep the global look.
func TestPerAppBranding(t *testing.T) {
	srv := testenv.Start(t, nil)
	ctx := t.Context()
	app, _ := srv.CreateApp(t, application.CreateInput{Name: "Shop", Type: store.AppSPA, RedirectURIs: []string{"https://shop.example.com/cb"}})
	testenv.Must(srv.Store.UpdateApplication(ctx, app.ID, func(a *store.Application) error {
		a.Branding = store.Branding{
			LogoURL: "https://shop.example.com/logo.png", DisplayName: "Shop & Co",
			PrimaryColor: "#FF5500", TermsOfUseURL: "https://shop.example.com/terms",
		}
		return nil
	}))

	type doc struct {
		ApplicationName string `json:"applicationName"`
		TermsOfUseURL   string `json:"termsOfUseUrl"`
		Color           struct {
			PrimaryColor string `json:"primaryColor"`
		} `json:"color"`
		Branding struct {
			LogoURL string `json:"logoUrl"`
		} `json:"branding"`
	}
	get := func(query string) doc {
		t.Helper()
		resp := testenv.Must(http.Get(srv.URL + "/api/.well-known/sign-in-exp" + query))
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("sign-in-exp%s: %d", query, resp.StatusCode)
		}
		var d doc
		testenv.Must(0, json.NewDecoder(resp.Body).Decode(&d))
		return d
	}

	global := get("")
	branded := get("?appId=" + app.ID)
	if branded.Branding.LogoURL != "https://shop.example.com/logo.png" || branded.Color.PrimaryColor != "#FF5500" ||
		branded.TermsOfUseURL != "https://shop.example.com/terms" || branded.ApplicationName != "Shop & Co" {
		t.Fatalf("app branding not applied: %+v", branded)
	}
	if global.Branding.LogoURL == branded.Branding.LogoURL || global.ApplicationName != "" {
		t.Fatalf("global settings changed by an app's branding: %+v", global)
	}
	// The per-node settings cache must not have been modified in place.
	if again := get(""); again != global {
		t.Fatalf("global settings after a branded request: %+v, want %+v", again, global)
	}
	if unknown := get("?appId=nope"); unknown != global {
		t.Fatalf("unknown app: %+v, want the global settings", unknown)
	}
}
