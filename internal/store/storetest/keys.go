package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var signingKeyTests = []test{
	{"Lifecycle", testSigningKeys},
}

func testSigningKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	keys, err := s.ListSigningKeys(ctx)
	ok(t, err, "list empty")
	if len(keys) != 0 {
		t.Fatalf("%d keys in an empty store", len(keys))
	}
	// Created out of order to check that listing sorts by age.
	newer := store.SigningKey{ID: "kid-2", Alg: "RS256", Status: store.KeyNext, PrivateKey: []byte{9, 8, 7}, PublicJWK: []byte(`{"kty":"RSA"}`), CreatedAt: at(time.Hour)}
	older := store.SigningKey{ID: "kid-1", Alg: "ES256", Status: store.KeyCurrent, PrivateKey: []byte{1, 2, 3, 0, 255}, PublicJWK: []byte(`{"kty":"EC"}`), CreatedAt: t0}
	ok(t, s.CreateSigningKey(ctx, &newer), "create newer")
	ok(t, s.CreateSigningKey(ctx, &older), "create older")
	wantErr(t, s.CreateSigningKey(ctx, &store.SigningKey{ID: "kid-1", Alg: "ES256", Status: store.KeyNext, PrivateKey: []byte{1}, PublicJWK: []byte("{}")}),
		store.ErrConflict, "duplicate kid")

	keys, err = s.ListSigningKeys(ctx)
	ok(t, err, "list")
	equal(t, keys, []store.SigningKey{older, newer}, "oldest first")

	ok(t, s.SetSigningKeyStatus(ctx, "kid-1", store.KeyPrevious), "demote")
	ok(t, s.SetSigningKeyStatus(ctx, "kid-2", store.KeyCurrent), "promote")
	wantErr(t, s.SetSigningKeyStatus(ctx, "missing", store.KeyCurrent), store.ErrNotFound, "status of missing key")
	keys, err = s.ListSigningKeys(ctx)
	ok(t, err, "list")
	if keys[0].Status != store.KeyPrevious || keys[1].Status != store.KeyCurrent {
		t.Fatalf("statuses %s, %s after rotation", keys[0].Status, keys[1].Status)
	}

	ok(t, s.DeleteSigningKey(ctx, "kid-1"), "delete")
	wantErr(t, s.DeleteSigningKey(ctx, "kid-1"), store.ErrNotFound, "delete twice")
	keys, err = s.ListSigningKeys(ctx)
	ok(t, err, "list")
	if len(keys) != 1 || keys[0].ID != "kid-2" {
		t.Fatalf("after delete: %+v", keys)
	}
}
