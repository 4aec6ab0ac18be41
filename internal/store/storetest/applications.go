package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var applicationTests = []test{
	{"CreateGet", testAppCreateGet},
	{"CreateDefaults", testAppCreateDefaults},
	{"CreateConflict", testAppCreateConflict},
	{"GetNotFound", testAppGetNotFound},
	{"List", testAppList},
	{"Update", testAppUpdate},
	{"UpdateErrors", testAppUpdateErrors},
	{"Delete", testAppDelete},
	{"DeleteCascades", testAppDeleteCascades},
	{"Secrets", testAppSecrets},
}

func fullApp() *store.Application {
	rotate := false
	return &store.Application{
		ID:           "app1",
		Name:         "Full App",
		Description:  "every field set",
		Type:         store.AppSPA,
		IsThirdParty: true,
		OIDCClientMetadata: store.OIDCClientMetadata{
			RedirectURIs:                     []string{"https://a.example/cb", "https://b.example/cb"},
			PostLogoutRedirectURIs:           []string{"https://a.example/bye"},
			BackchannelLogoutURI:             "https://a.example/bcl",
			BackchannelLogoutSessionRequired: true,
			IDTokenSignedResponseAlg:         "RS256",
			TokenEndpointAuthMethod:          "private_key_jwt",
			JWKS:                             json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y"}]}`),
		},
		CustomClientMetadata: store.CustomClientMetadata{
			CORSAllowedOrigins:      []string{"https://a.example"},
			AlwaysIssueRefreshToken: true,
			RotateRefreshToken:      &rotate,
			RefreshTokenTTLInDays:   14,
			IDTokenTTL:              600,
		},
		ProtectedAppMetadata: json.RawMessage(`{"host":"a.example","origin":"https://origin.example"}`),
		Branding: store.Branding{
			LogoURL: "https://a.example/logo.png", DarkLogoURL: "https://a.example/dark.png",
			Favicon: "https://a.example/favicon.ico", DisplayName: "Full", PrimaryColor: "#123456",
			TermsOfUseURL: "https://a.example/tos", PrivacyPolicyURL: "https://a.example/privacy",
		},
		CustomData: json.RawMessage(`{"tier":"gold","limits":[1,2,3]}`),
		CreatedAt:  at(1500 * time.Millisecond),
	}
}

func testAppCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := fullApp()
	ok(t, s.CreateApplication(ctx, want), "create")
	got, err := s.GetApplication(ctx, want.ID)
	ok(t, err, "get")
	equal(t, got, want, "round trip")

	// JSON that differs only in formatting is kept byte for byte.
	if string(got.CustomData) != `{"tier":"gold","limits":[1,2,3]}` {
		t.Fatalf("custom data changed: %s", got.CustomData)
	}
}

func testAppCreateDefaults(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	a := &store.Application{Name: "Minimal", Type: store.AppMachineToMachine}
	ok(t, s.CreateApplication(ctx, a), "create")
	if a.ID == "" {
		t.Fatal("empty ID was not filled in")
	}
	if a.CreatedAt.Before(before) || a.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("zero CreatedAt became %v, want about now", a.CreatedAt)
	}
	got, err := s.GetApplication(ctx, a.ID)
	ok(t, err, "get")
	equal(t, got, a, "round trip")
	// Empty raw JSON reads back nil, not "null" or "".
	if got.CustomData != nil || got.ProtectedAppMetadata != nil {
		t.Fatalf("empty raw JSON read back as %q / %q", got.CustomData, got.ProtectedAppMetadata)
	}
}

func testAppCreateConflict(t *testing.T, s store.Store) {
	mkApp(t, s, "dup")
	err := s.CreateApplication(t.Context(), &store.Application{ID: "dup", Name: "Again", Type: store.AppSPA})
	wantErr(t, err, store.ErrConflict, "create duplicate id")
}

func testAppGetNotFound(t *testing.T, s store.Store) {
	_, err := s.GetApplication(t.Context(), "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")
}

func testAppList(t *testing.T, s store.Store) {
	ctx := t.Context()
	apps, total, err := s.ListApplications(ctx, store.Page{})
	ok(t, err, "list empty")
	if total != 0 || len(apps) != 0 {
		t.Fatalf("empty store lists %d of %d", len(apps), total)
	}
	for i := range 25 {
		a := &store.Application{ID: fmt.Sprintf("app%02d", i), Name: "A", Type: store.AppSPA, CreatedAt: at(time.Duration(i) * time.Minute)}
		ok(t, s.CreateApplication(ctx, a), "create")
	}
	cases := []struct {
		page        store.Page
		first, last string
		n           int
	}{
		{store.Page{}, "app24", "app05", 20},
		{store.Page{Number: 1, Size: 20}, "app24", "app05", 20},
		{store.Page{Number: 2}, "app04", "app00", 5},
		{store.Page{Number: 3, Size: 10}, "app04", "app00", 5},
		{store.Page{Number: 2, Size: 7}, "app17", "app11", 7},
		{store.Page{Number: 9}, "", "", 0},
	}
	for _, c := range cases {
		got, total, err := s.ListApplications(ctx, c.page)
		ok(t, err, "list")
		if total != 25 {
			t.Fatalf("page %+v: total %d, want 25", c.page, total)
		}
		if len(got) != c.n {
			t.Fatalf("page %+v: %d items, want %d", c.page, len(got), c.n)
		}
		if c.n > 0 && (got[0].ID != c.first || got[len(got)-1].ID != c.last) {
			t.Fatalf("page %+v: %s..%s, want %s..%s (newest first)", c.page, got[0].ID, got[len(got)-1].ID, c.first, c.last)
		}
	}
}

func testAppUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := fullApp()
	ok(t, s.CreateApplication(ctx, orig), "create")
	updated, err := s.UpdateApplication(ctx, orig.ID, func(a *store.Application) error {
		a.Name = "Renamed"
		a.OIDCClientMetadata.RedirectURIs = append(a.OIDCClientMetadata.RedirectURIs, "https://c.example/cb")
		a.CustomData = json.RawMessage(`{"tier":"silver"}`)
		a.ProtectedAppMetadata = nil
		a.ID = "hijacked"       // identity cannot change
		a.CreatedAt = at(-3e12) // nor creation time
		return nil
	})
	ok(t, err, "update")
	want := *orig
	want.Name = "Renamed"
	want.OIDCClientMetadata.RedirectURIs = []string{"https://a.example/cb", "https://b.example/cb", "https://c.example/cb"}
	want.CustomData = json.RawMessage(`{"tier":"silver"}`)
	want.ProtectedAppMetadata = nil
	equal(t, updated, &want, "returned by update")
	got, err := s.GetApplication(ctx, orig.ID)
	ok(t, err, "get")
	equal(t, got, &want, "read after update")
	_, err = s.GetApplication(ctx, "hijacked")
	wantErr(t, err, store.ErrNotFound, "the updater changed the ID")
}

func testAppUpdateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.UpdateApplication(ctx, "missing", func(*store.Application) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update missing")

	a := mkApp(t, s, "app1")
	boom := errors.New("boom")
	_, err = s.UpdateApplication(ctx, a.ID, func(a *store.Application) error {
		a.Name = "should not stick"
		return boom
	})
	if err != boom {
		t.Fatalf("updater error: got %v, want it returned unchanged", err)
	}
	got, err := s.GetApplication(ctx, a.ID)
	ok(t, err, "get")
	if got.Name != a.Name {
		t.Fatalf("failed update was written: name %q", got.Name)
	}
}

func testAppDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mkApp(t, s, "app1")
	mkApp(t, s, "app2")
	ok(t, s.DeleteApplication(ctx, a.ID), "delete")
	_, err := s.GetApplication(ctx, a.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteApplication(ctx, a.ID), store.ErrNotFound, "delete twice")
	_, err = s.GetApplication(ctx, "app2")
	ok(t, err, "other app survives")
}

// testAppDeleteCascades checks that deleting an app removes what belongs to
// it and nothing that belongs to another app.
func testAppDeleteCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	gone, kept := mkApp(t, s, "gone"), mkApp(t, s, "kept")
	u := mkUser(t, s, "u1")
	role := mkRole(t, s, "r1", store.RoleMachineToMachine)
	for _, app := range []*store.Application{gone, kept} {
		ok(t, s.AddApplicationSecret(ctx, &store.ApplicationSecret{ApplicationID: app.ID, Name: "default", Hash: hash("sec" + app.ID), CreatedAt: t0}), "add secret")
		mkCode(t, s, "code"+app.ID, app.ID, u.ID, at(time.Hour))
		mkToken(t, s, "tok"+app.ID, app.ID, u.ID, "g"+app.ID, "", at(time.Hour))
		mkGrant(t, s, "grant"+app.ID, u.ID, app.ID, time.Time{})
		ok(t, s.AssignApplicationRoles(ctx, app.ID, []string{role.ID}), "assign role")
	}

	ok(t, s.DeleteApplication(ctx, gone.ID), "delete")

	secrets, err := s.ListApplicationSecrets(ctx, gone.ID)
	ok(t, err, "list secrets")
	if len(secrets) != 0 {
		t.Fatalf("%d secrets survived", len(secrets))
	}
	_, err = s.ConsumeAuthorizationCode(ctx, hash("code"+gone.ID), t0)
	wantErr(t, err, store.ErrNotFound, "code of deleted app")
	_, err = s.GetToken(ctx, hash("tok"+gone.ID), t0)
	wantErr(t, err, store.ErrNotFound, "token of deleted app")
	_, err = s.GetGrant(ctx, u.ID, gone.ID, t0)
	wantErr(t, err, store.ErrNotFound, "grant of deleted app")
	roles, err := s.ListApplicationRoles(ctx, gone.ID)
	ok(t, err, "list roles")
	if len(roles) != 0 {
		t.Fatalf("%d role assignments survived", len(roles))
	}

	secrets, err = s.ListApplicationSecrets(ctx, kept.ID)
	ok(t, err, "list kept secrets")
	if len(secrets) != 1 {
		t.Fatalf("kept app has %d secrets, want 1", len(secrets))
	}
	_, err = s.GetToken(ctx, hash("tok"+kept.ID), t0)
	ok(t, err, "kept token")
	_, err = s.GetGrant(ctx, u.ID, kept.ID, t0)
	ok(t, err, "kept grant")
	c, err := s.ConsumeAuthorizationCode(ctx, hash("code"+kept.ID), t0)
	ok(t, err, "kept code")
	if !c.ConsumedAt.IsZero() {
		t.Fatal("kept code was already consumed")
	}
	roles, err = s.ListApplicationRoles(ctx, kept.ID)
	ok(t, err, "list kept roles")
	if len(roles) != 1 {
		t.Fatalf("kept app has %d roles, want 1", len(roles))
	}
	_, err = s.GetRole(ctx, role.ID)
	ok(t, err, "role itself survives")
	_, err = s.GetUser(ctx, u.ID)
	ok(t, err, "user survives")
}

func testAppSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := mkApp(t, s, "app1")
	other := mkApp(t, s, "app2")
	older := store.ApplicationSecret{ApplicationID: a.ID, Name: "old", Hash: hash("old"), CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
	newer := store.ApplicationSecret{ApplicationID: a.ID, Name: "new", Hash: hash("new"), CreatedAt: at(2 * time.Minute)}
	ok(t, s.AddApplicationSecret(ctx, &older), "add old")
	ok(t, s.AddApplicationSecret(ctx, &newer), "add new")
	ok(t, s.AddApplicationSecret(ctx, &store.ApplicationSecret{ApplicationID: other.ID, Name: "old", Hash: hash("x"), CreatedAt: t0}), "same name, other app")

	got, err := s.ListApplicationSecrets(ctx, a.ID)
	ok(t, err, "list")
	equal(t, got, []store.ApplicationSecret{newer, older}, "secrets newest first")

	dup := store.ApplicationSecret{ApplicationID: a.ID, Name: "old", Hash: hash("dup"), CreatedAt: t0}
	wantErr(t, s.AddApplicationSecret(ctx, &dup), store.ErrConflict, "duplicate name")
	wantErr(t, s.AddApplicationSecret(ctx, &store.ApplicationSecret{ApplicationID: "missing", Name: "x", Hash: hash("x"), CreatedAt: t0}),
		store.ErrNotFound, "secret of missing app")

	ok(t, s.DeleteApplicationSecret(ctx, a.ID, "old"), "delete")
	wantErr(t, s.DeleteApplicationSecret(ctx, a.ID, "old"), store.ErrNotFound, "delete twice")
	got, err = s.ListApplicationSecrets(ctx, a.ID)
	ok(t, err, "list")
	equal(t, got, []store.ApplicationSecret{newer}, "after delete")
	got, err = s.ListApplicationSecrets(ctx, other.ID)
	ok(t, err, "list other")
	if len(got) != 1 {
		t.Fatalf("other app has %d secrets, want 1", len(got))
	}
	got, err = s.ListApplicationSecrets(ctx, "missing")
	ok(t, err, "list for missing app")
	if len(got) != 0 {
		t.Fatalf("missing app has %d secrets", len(got))
	}
}
