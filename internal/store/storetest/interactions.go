package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var interactionTests = []test{
	{"CreateGet", testInteractionCreateGet},
	{"Expiry", testInteractionExpiry},
	{"Update", testInteractionUpdate},
	{"Delete", testInteractionDelete},
}

func testInteractionCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := &store.Interaction{
		ID: "int1",
		Request: store.AuthRequest{
			ClientID: "app1", RedirectURI: "https://app.example/cb", ResponseType: "code", ResponseMode: "query",
			Scopes: []string{"openid", "profile"}, State: "xyz", Nonce: "n", CodeChallenge: "cc", CodeChallengeMethod: "S256",
			Prompt: []string{"login", "consent"}, MaxAge: 300, Resources: []string{"https://api.example"},
			UILocales: "fr", LoginHint: "alice", FirstScreen: "register", Identifier: "email", DirectSignIn: "social:github",
			OrganizationID: "org1",
		},
		Event:     "SignIn",
		State:     json.RawMessage(`{"verifications":[{"id":"v1"}]}`),
		Result:    &store.InteractionResult{UserID: "u1", AuthTime: at(time.Minute), AMR: []string{"pwd", "otp"}},
		CreatedAt: t0, UpdatedAt: at(time.Second), ExpiresAt: at(time.Hour),
	}
	ok(t, s.CreateInteraction(ctx, want), "create")
	got, err := s.GetInteraction(ctx, want.ID, t0)
	ok(t, err, "get")
	equal(t, got, want, "round trip")

	bare := mkInteraction(t, s, "int2", at(time.Hour))
	got, err = s.GetInteraction(ctx, bare.ID, t0)
	ok(t, err, "get bare")
	equal(t, got, bare, "round trip without result")
	if got.Result != nil {
		t.Fatalf("nil result read back as %+v", got.Result)
	}

	wantErr(t, s.CreateInteraction(ctx, &store.Interaction{ID: "int1", ExpiresAt: at(time.Hour)}), store.ErrConflict, "duplicate")
	_, err = s.GetInteraction(ctx, "missing", t0)
	wantErr(t, err, store.ErrNotFound, "get missing")
}

func testInteractionExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	i := mkInteraction(t, s, "int1", at(10*time.Minute))
	_, err := s.GetInteraction(ctx, i.ID, at(10*time.Minute-time.Millisecond))
	ok(t, err, "just before expiry")
	_, err = s.GetInteraction(ctx, i.ID, at(10*time.Minute))
	wantErr(t, err, store.ErrNotFound, "at expiry")
	_, err = s.UpdateInteraction(ctx, i.ID, at(time.Hour), func(*store.Interaction) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update expired")
}

func testInteractionUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := mkInteraction(t, s, "int1", at(10*time.Minute))
	now := at(time.Minute)
	result := &store.InteractionResult{UserID: "u1", AuthTime: now, AMR: []string{"pwd"}}
	got, err := s.UpdateInteraction(ctx, orig.ID, now, func(i *store.Interaction) error {
		i.Event = "SignIn"
		i.State = json.RawMessage(`{"step":2}`)
		i.Result = result
		i.ExpiresAt = at(20 * time.Minute)
		return nil
	})
	ok(t, err, "update")
	want := *orig
	want.Event, want.State, want.Result = "SignIn", json.RawMessage(`{"step":2}`), result
	want.UpdatedAt, want.ExpiresAt = now, at(20*time.Minute)
	equal(t, got, &want, "returned")
	read, err := s.GetInteraction(ctx, orig.ID, at(15*time.Minute))
	ok(t, err, "get after extending expiry")
	equal(t, read, &want, "read back")

	boom := errors.New("boom")
	_, err = s.UpdateInteraction(ctx, orig.ID, now, func(i *store.Interaction) error { i.Event = "Register"; return boom })
	if err != boom {
		t.Fatalf("updater error: got %v, want it unchanged", err)
	}
	read, err = s.GetInteraction(ctx, orig.ID, now)
	ok(t, err, "get")
	if read.Event != "SignIn" {
		t.Fatalf("failed update was written: event %q", read.Event)
	}
	_, err = s.UpdateInteraction(ctx, "missing", now, func(*store.Interaction) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update missing")
}

func testInteractionDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	i := mkInteraction(t, s, "int1", at(time.Hour))
	mkInteraction(t, s, "int2", at(time.Hour))
	ok(t, s.DeleteInteraction(ctx, i.ID), "delete")
	_, err := s.GetInteraction(ctx, i.ID, t0)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteInteraction(ctx, i.ID), store.ErrNotFound, "delete twice")
	_, err = s.GetInteraction(ctx, "int2", t0)
	ok(t, err, "other survives")
}
