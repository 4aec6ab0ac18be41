package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// authenticatorTests cover store.Authenticators: MFA factors, social
// connectors and linked identities.
var authenticatorTests = []test{
	{"MFAFactorRoundTrip", testMFAFactorRoundTrip},
	{"MFAFactorUniqueness", testMFAFactorUniqueness},
	{"MFAFactorDelete", testMFAFactorDelete},
	{"TOTPStepReplay", testTOTPStepReplay},
	{"WebAuthnSignCount", testWebAuthnSignCount},
	{"BackupCodesSingleUse", testBackupCodesSingleUse},
	{"BackupCodeConcurrentUse", testBackupCodeConcurrentUse},
	{"MFASkipped", testMFASkipped},
	{"MFADeleteUserCascades", testMFADeleteUserCascades},
	{"SocialConnectorCRUD", testSocialConnectorCRUD},
	{"IdentityLinkAndLookup", testIdentityLinkAndLookup},
	{"IdentityConflict", testIdentityConflict},
	{"IdentityUnlink", testIdentityUnlink},
	{"IdentityConcurrentLink", testIdentityConcurrentLink},
}

func testMFAFactorRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	totp := &store.MFAFactor{ID: "f-totp", UserID: "u1", Type: store.FactorTOTP, Secret: []byte("sealed"),
		CreatedAt: at(time.Second)}
	passkey := &store.MFAFactor{ID: "f-wa", UserID: "u1", Type: store.FactorWebAuthn, Name: "YubiKey",
		CredentialID: []byte{1, 2, 3}, PublicKey: []byte{4, 5, 6}, SignCount: 7,
		Details: json.RawMessage(`{"transports":["usb"]}`), CreatedAt: at(2 * time.Second), LastUsedAt: at(3 * time.Second)}
	codes := &store.MFAFactor{ID: "f-bc", UserID: "u1", Type: store.FactorBackupCode, CreatedAt: at(3 * time.Second),
		BackupCodes: []store.BackupCode{{Hash: hash("c1")}, {Hash: hash("c2")}, {Hash: hash("c3"), UsedAt: at(time.Minute)}}}
	for _, f := range []*store.MFAFactor{totp, passkey, codes} {
		ok(t, s.CreateMFAFactor(ctx, f), "create "+f.Type)
	}
	got, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list")
	wantCodes := *codes
	wantCodes.BackupCodes, wantCodes.RemainingCodes = nil, 2
	equal(t, got, []store.MFAFactor{*totp, *passkey, wantCodes}, "list")

	list, err := s.ListBackupCodes(ctx, "f-bc")
	ok(t, err, "list codes")
	if len(list) != 3 {
		t.Fatalf("%d backup codes, want 3", len(list))
	}
	none, err := s.ListMFAFactors(ctx, "nobody")
	ok(t, err, "list for unknown user")
	if len(none) != 0 {
		t.Fatalf("unknown user has factors: %+v", none)
	}

	// Defaults: an ID and CreatedAt.
	bare := &store.MFAFactor{UserID: "u1", Type: store.FactorWebAuthn, CredentialID: []byte{9}}
	ok(t, s.CreateMFAFactor(ctx, bare), "create minimal")
	if bare.ID == "" || bare.CreatedAt.IsZero() {
		t.Fatalf("defaults not applied: %+v", bare)
	}
	err = s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "missing", Type: store.FactorTOTP})
	wantErr(t, err, store.ErrNotFound, "factor of a missing user")
}

func testMFAFactorUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	mkUser(t, s, "u2")
	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorTOTP, Secret: []byte("a")}), "first totp")
	wantErr(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorTOTP, Secret: []byte("b")}),
		store.ErrConflict, "second totp")
	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u2", Type: store.FactorTOTP, Secret: []byte("c")}), "other user's totp")

	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode,
		BackupCodes: []store.BackupCode{{Hash: hash("x")}}}), "backup codes")
	wantErr(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode}),
		store.ErrConflict, "second backup-code factor")

	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorWebAuthn, CredentialID: []byte("k1")}), "passkey 1")
	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorWebAuthn, CredentialID: []byte("k2")}), "passkey 2")
	wantErr(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u2", Type: store.FactorWebAuthn, CredentialID: []byte("k1")}),
		store.ErrConflict, "credential ID registered twice")

	// A failed create leaves nothing behind (the codes went with it).
	got, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list")
	if len(got) != 4 {
		t.Fatalf("u1 has %d factors, want 4", len(got))
	}
}

func testMFAFactorDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	mkUser(t, s, "u2")
	f := &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode, BackupCodes: []store.BackupCode{{Hash: hash("x")}}}
	ok(t, s.CreateMFAFactor(ctx, f), "create")
	wantErr(t, s.DeleteMFAFactor(ctx, "u2", f.ID), store.ErrNotFound, "delete as another user")
	ok(t, s.DeleteMFAFactor(ctx, "u1", f.ID), "delete")
	wantErr(t, s.DeleteMFAFactor(ctx, "u1", f.ID), store.ErrNotFound, "delete again")
	codes, err := s.ListBackupCodes(ctx, f.ID)
	ok(t, err, "list codes")
	if len(codes) != 0 {
		t.Fatalf("codes outlived their factor: %d", len(codes))
	}
	// The user may bind backup codes again.
	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode}), "recreate")
}

func testTOTPStepReplay(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	f := &store.MFAFactor{UserID: "u1", Type: store.FactorTOTP, Secret: []byte("k")}
	ok(t, s.CreateMFAFactor(ctx, f), "create")
	ok(t, s.UseTOTPStep(ctx, f.ID, 100, at(time.Minute)), "first use")
	wantErr(t, s.UseTOTPStep(ctx, f.ID, 100, at(time.Minute)), store.ErrConflict, "same step again")
	wantErr(t, s.UseTOTPStep(ctx, f.ID, 99, at(time.Minute)), store.ErrConflict, "earlier step")
	ok(t, s.UseTOTPStep(ctx, f.ID, 101, at(2*time.Minute)), "next step")
	wantErr(t, s.UseTOTPStep(ctx, "missing", 200, at(time.Minute)), store.ErrNotFound, "missing factor")

	got, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list")
	if got[0].LastTOTPStep != 101 || !got[0].LastUsedAt.Equal(at(2*time.Minute)) {
		t.Fatalf("after use: step %d, last used %v", got[0].LastTOTPStep, got[0].LastUsedAt)
	}

	// Only TOTP factors have steps.
	wa := &store.MFAFactor{UserID: "u1", Type: store.FactorWebAuthn, CredentialID: []byte("c")}
	ok(t, s.CreateMFAFactor(ctx, wa), "create passkey")
	wantErr(t, s.UseTOTPStep(ctx, wa.ID, 1, at(time.Minute)), store.ErrNotFound, "step on a passkey")

	// Concurrent uses of one step: exactly one wins.
	oneWins(t, race(racers, func(int) error { return s.UseTOTPStep(ctx, f.ID, 500, at(time.Hour)) }),
		store.ErrConflict, "racing uses of one step")
}

func testWebAuthnSignCount(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	f := &store.MFAFactor{UserID: "u1", Type: store.FactorWebAuthn, CredentialID: []byte("c"), SignCount: 1}
	ok(t, s.CreateMFAFactor(ctx, f), "create")
	ok(t, s.UpdateWebAuthnSignCount(ctx, f.ID, 42, at(time.Hour)), "update")
	got, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list")
	if got[0].SignCount != 42 || !got[0].LastUsedAt.Equal(at(time.Hour)) {
		t.Fatalf("after update: %+v", got[0])
	}
	wantErr(t, s.UpdateWebAuthnSignCount(ctx, "missing", 1, at(time.Hour)), store.ErrNotFound, "missing factor")
}

func testBackupCodesSingleUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	mkUser(t, s, "u2")
	f := &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode,
		BackupCodes: []store.BackupCode{{Hash: hash("a")}, {Hash: hash("b")}}}
	ok(t, s.CreateMFAFactor(ctx, f), "create")

	wantErr(t, s.UseBackupCode(ctx, "u2", hash("a"), at(time.Minute)), store.ErrNotFound, "another user's code")
	wantErr(t, s.UseBackupCode(ctx, "u1", hash("zz"), at(time.Minute)), store.ErrNotFound, "unknown code")
	ok(t, s.UseBackupCode(ctx, "u1", hash("a"), at(time.Minute)), "first use")
	wantErr(t, s.UseBackupCode(ctx, "u1", hash("a"), at(2*time.Minute)), store.ErrNotFound, "second use")

	got, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list")
	if got[0].RemainingCodes != 1 || !got[0].LastUsedAt.Equal(at(time.Minute)) {
		t.Fatalf("after one use: remaining %d, last used %v", got[0].RemainingCodes, got[0].LastUsedAt)
	}
	codes, err := s.ListBackupCodes(ctx, f.ID)
	ok(t, err, "list codes")
	used := 0
	for _, c := range codes {
		if !c.UsedAt.IsZero() {
			used++
			equal(t, c, store.BackupCode{Hash: hash("a"), UsedAt: at(time.Minute)}, "used code")
		}
	}
	if used != 1 {
		t.Fatalf("%d codes used, want 1", used)
	}
}

func testBackupCodeConcurrentUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	ok(t, s.CreateMFAFactor(ctx, &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode,
		BackupCodes: []store.BackupCode{{Hash: hash("a")}}}), "create")
	oneWins(t, race(racers, func(int) error { return s.UseBackupCode(ctx, "u1", hash("a"), at(time.Minute)) }),
		store.ErrNotFound, "racing uses of one code")
}

func testMFASkipped(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	skipped, err := s.MFASkipped(ctx, "u1")
	ok(t, err, "get unset")
	if skipped {
		t.Fatal("skipped before anything was set")
	}
	for _, want := range []bool{true, true, false} {
		ok(t, s.SetMFASkipped(ctx, "u1", want), "set")
		got, err := s.MFASkipped(ctx, "u1")
		ok(t, err, "get")
		if got != want {
			t.Fatalf("skipped = %v, want %v", got, want)
		}
	}
	wantErr(t, s.SetMFASkipped(ctx, "missing", true), store.ErrNotFound, "missing user")
}

func testMFADeleteUserCascades(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	f := &store.MFAFactor{UserID: "u1", Type: store.FactorBackupCode, BackupCodes: []store.BackupCode{{Hash: hash("a")}}}
	ok(t, s.CreateMFAFactor(ctx, f), "create factor")
	ok(t, s.SetMFASkipped(ctx, "u1", true), "skip")
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u1", Target: "idp", IdentityID: "sub-1"}), "link")
	ok(t, s.DeleteUser(ctx, "u1"), "delete user")

	factors, err := s.ListMFAFactors(ctx, "u1")
	ok(t, err, "list factors")
	codes, err := s.ListBackupCodes(ctx, f.ID)
	ok(t, err, "list codes")
	ids, err := s.ListUserIdentities(ctx, "u1")
	ok(t, err, "list identities")
	if len(factors)+len(codes)+len(ids) != 0 {
		t.Fatalf("rows outlived their user: %d factors, %d codes, %d identities", len(factors), len(codes), len(ids))
	}
	// A new user may take the identity.
	mkUser(t, s, "u2")
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u2", Target: "idp", IdentityID: "sub-1"}), "relink")
}

func testSocialConnectorCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := &store.SocialConnector{ID: "c1", FactoryID: "oidc", Target: "acme", Name: "Acme", Logo: "https://acme.example/logo.png",
		Config: json.RawMessage(`{"issuer":"https://acme.example","clientId":"x"}`), SealedSecret: []byte("sealed"),
		SyncProfile: true, CreatedAt: at(time.Second), UpdatedAt: at(2 * time.Second)}
	ok(t, s.CreateSocialConnector(ctx, want), "create")
	got, err := s.GetSocialConnector(ctx, "c1")
	ok(t, err, "get")
	equal(t, got, want, "round trip")
	_, err = s.GetSocialConnector(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")

	wantErr(t, s.CreateSocialConnector(ctx, &store.SocialConnector{ID: "c1", FactoryID: "oidc", Target: "other"}),
		store.ErrConflict, "duplicate ID")
	wantErr(t, s.CreateSocialConnector(ctx, &store.SocialConnector{ID: "c2", FactoryID: "oidc", Target: "acme"}),
		store.ErrConflict, "duplicate target")

	bare := &store.SocialConnector{FactoryID: "oidc", Target: "beta"}
	ok(t, s.CreateSocialConnector(ctx, bare), "create minimal")
	if bare.ID == "" || bare.CreatedAt.IsZero() || !bare.UpdatedAt.Equal(bare.CreatedAt) {
		t.Fatalf("defaults not applied: %+v", bare)
	}
	list, err := s.ListSocialConnectors(ctx)
	ok(t, err, "list")
	if len(list) != 2 || list[0].ID != "c1" || list[1].ID != bare.ID {
		t.Fatalf("list = %+v", list)
	}

	updated, err := s.UpdateSocialConnector(ctx, "c1", func(c *store.SocialConnector) error {
		c.ID, c.CreatedAt = "hijack", at(time.Hour) // ignored
		c.Name, c.SealedSecret, c.SyncProfile = "Acme Corp", []byte("new"), false
		return nil
	})
	ok(t, err, "update")
	got, err = s.GetSocialConnector(ctx, "c1")
	ok(t, err, "get after update")
	equal(t, got, updated, "update result is what is stored")
	if got.Name != "Acme Corp" || string(got.SealedSecret) != "new" || got.SyncProfile || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.UpdatedAt.After(want.UpdatedAt) {
		t.Fatalf("after update: %+v", got)
	}
	_, err = s.UpdateSocialConnector(ctx, "c1", func(c *store.SocialConnector) error { c.Target = "beta"; return nil })
	wantErr(t, err, store.ErrConflict, "update to a taken target")
	sentinel := errors.New("stop")
	_, err = s.UpdateSocialConnector(ctx, "c1", func(*store.SocialConnector) error { return sentinel })
	wantErr(t, err, sentinel, "updater error")
	_, err = s.UpdateSocialConnector(ctx, "missing", func(*store.SocialConnector) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update missing")

	ok(t, s.DeleteSocialConnector(ctx, "c1"), "delete")
	wantErr(t, s.DeleteSocialConnector(ctx, "c1"), store.ErrNotFound, "delete again")
}

// identitiesOf decodes the user's Identities mirror.
func identitiesOf(t *testing.T, s store.Store, userID string) map[string]struct {
	UserID  string          `json:"userId"`
	Details json.RawMessage `json:"details"`
} {
	t.Helper()
	u, err := s.GetUser(t.Context(), userID)
	ok(t, err, "get user")
	var m map[string]struct {
		UserID  string          `json:"userId"`
		Details json.RawMessage `json:"details"`
	}
	if len(u.Identities) > 0 {
		ok(t, json.Unmarshal(u.Identities, &m), "decode identities")
	}
	return m
}

func testIdentityLinkAndLookup(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := &store.User{ID: "u1", Username: "alice", Identities: json.RawMessage(`{"legacy":{"userId":"L"}}`), CreatedAt: t0}
	ok(t, s.CreateUser(ctx, u), "create user")
	mkUser(t, s, "u2")

	want := &store.UserIdentity{UserID: "u1", Target: "acme", IdentityID: "sub-1", ConnectorID: "c1",
		Details: json.RawMessage(`{"email":"alice@acme.example"}`), CreatedAt: at(time.Second), UpdatedAt: at(time.Second)}
	ok(t, s.LinkUserIdentity(ctx, want), "link")
	got, err := s.GetUserByIdentity(ctx, "acme", "sub-1")
	ok(t, err, "lookup")
	if got.ID != "u1" || got.Username != "alice" {
		t.Fatalf("lookup found %+v", got)
	}
	_, err = s.GetUserByIdentity(ctx, "acme", "sub-2")
	wantErr(t, err, store.ErrNotFound, "unknown identity")
	_, err = s.GetUserByIdentity(ctx, "other", "sub-1")
	wantErr(t, err, store.ErrNotFound, "same ID at another target")

	list, err := s.ListUserIdentities(ctx, "u1")
	ok(t, err, "list")
	equal(t, list, []store.UserIdentity{*want}, "list")

	m := identitiesOf(t, s, "u1")
	if m["acme"].UserID != "sub-1" || string(m["acme"].Details) != `{"email":"alice@acme.example"}` || m["legacy"].UserID != "L" {
		t.Fatalf("identities mirror = %+v", m)
	}

	// Relinking the target replaces the identity, in both places.
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u1", Target: "acme", IdentityID: "sub-9"}), "relink")
	_, err = s.GetUserByIdentity(ctx, "acme", "sub-1")
	wantErr(t, err, store.ErrNotFound, "old identity after relink")
	if m := identitiesOf(t, s, "u1"); m["acme"].UserID != "sub-9" || m["acme"].Details != nil {
		t.Fatalf("identities mirror after relink = %+v", m)
	}
	wantErr(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "missing", Target: "acme", IdentityID: "x"}),
		store.ErrNotFound, "link to a missing user")
}

func testIdentityConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	mkUser(t, s, "u2")
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u1", Target: "acme", IdentityID: "sub-1"}), "link")
	wantErr(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u2", Target: "acme", IdentityID: "sub-1"}),
		store.ErrConflict, "identity of another user")
	if m := identitiesOf(t, s, "u2"); len(m) != 0 {
		t.Fatalf("a failed link left %+v behind", m)
	}
	// The same sub at another provider is a different identity.
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u2", Target: "beta", IdentityID: "sub-1"}), "other target")
}

func testIdentityUnlink(t *testing.T, s store.Store) {
	ctx := t.Context()
	mkUser(t, s, "u1")
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u1", Target: "acme", IdentityID: "sub-1"}), "link")
	ok(t, s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u1", Target: "beta", IdentityID: "sub-2"}), "link 2")
	ok(t, s.UnlinkUserIdentity(ctx, "u1", "acme"), "unlink")
	wantErr(t, s.UnlinkUserIdentity(ctx, "u1", "acme"), store.ErrNotFound, "unlink again")
	_, err := s.GetUserByIdentity(ctx, "acme", "sub-1")
	wantErr(t, err, store.ErrNotFound, "lookup after unlink")
	m := identitiesOf(t, s, "u1")
	if _, still := m["acme"]; still || m["beta"].UserID != "sub-2" {
		t.Fatalf("identities mirror after unlink = %+v", m)
	}
}

func testIdentityConcurrentLink(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 4 {
		mkUser(t, s, string(rune('a'+i)))
	}
	// Four users race for one identity: one gets it, the others conflict.
	errs := race(4, func(i int) error {
		return s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: string(rune('a' + i)), Target: "acme", IdentityID: "sub"})
	})
	oneWins(t, errs, store.ErrConflict, "racing links of one identity")
	// One user linking several targets at once loses none of them in the
	// identities mirror.
	targets := []string{"t1", "t2", "t3", "t4", "t5"}
	noErrors(t, race(len(targets), func(i int) error {
		return s.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "a", Target: targets[i], IdentityID: "x"})
	}), "link targets")
	m := identitiesOf(t, s, "a")
	for _, target := range targets {
		if m[target].UserID != "x" {
			t.Fatalf("target %s lost from the mirror: %+v", target, m)
		}
	}
}
