package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var signingKeyTests = []test{
	{"Lifecycle", testSigningKeys},
	{"OneCurrentOneNextPerAlg", testSigningKeyStatuses},
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

// testSigningKeyStatuses: at most one Current and one Next key per
// algorithm, any number of Previous keys. A second one is ErrConflict,
// whether created or promoted, and inside a transaction it rolls the whole
// transaction back: that is what lets nodes starting at once agree on one
// key set (signing.Manager.EnsureKeys).
func testSigningKeyStatuses(t *testing.T, s store.Store) {
	ctx := t.Context()
	key := func(id, alg, status string, age time.Duration) *store.SigningKey {
		return &store.SigningKey{ID: id, Alg: alg, Status: status, PrivateKey: []byte{1}, PublicJWK: []byte("{}"), CreatedAt: at(age)}
	}
	ok(t, s.CreateSigningKey(ctx, key("es-cur", "ES256", store.KeyCurrent, 0)), "create current")
	ok(t, s.CreateSigningKey(ctx, key("es-next", "ES256", store.KeyNext, time.Second)), "create next")
	ok(t, s.CreateSigningKey(ctx, key("rs-cur", "RS256", store.KeyCurrent, 0)), "current of another alg")
	ok(t, s.CreateSigningKey(ctx, key("es-prev1", "ES256", store.KeyPrevious, 0)), "previous")
	ok(t, s.CreateSigningKey(ctx, key("es-prev2", "ES256", store.KeyPrevious, 0)), "second previous")
	wantErr(t, s.CreateSigningKey(ctx, key("es-cur2", "ES256", store.KeyCurrent, time.Hour)), store.ErrConflict, "second current")
	wantErr(t, s.CreateSigningKey(ctx, key("es-next2", "ES256", store.KeyNext, time.Hour)), store.ErrConflict, "second next")
	wantErr(t, s.SetSigningKeyStatus(ctx, "es-next", store.KeyCurrent), store.ErrConflict, "promote while a current exists")

	// A transaction that creates a set and meets a conflict keeps nothing.
	err := s.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateSigningKey(ctx, key("rs-next", "RS256", store.KeyNext, time.Hour)); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, key("es-cur3", "ES256", store.KeyCurrent, time.Hour))
	})
	wantErr(t, err, store.ErrConflict, "set with a second current")

	// Rotation order: demote, then promote, then a new Next.
	ok(t, s.InTx(ctx, func(tx store.Store) error {
		if err := tx.SetSigningKeyStatus(ctx, "es-cur", store.KeyPrevious); err != nil {
			return err
		}
		if err := tx.SetSigningKeyStatus(ctx, "es-next", store.KeyCurrent); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, key("es-next3", "ES256", store.KeyNext, time.Hour))
	}), "rotate")
	keys, err := s.ListSigningKeys(ctx)
	ok(t, err, "list")
	var got []string
	for _, k := range keys {
		got = append(got, k.ID+"="+k.Status)
	}
	equal(t, got, []string{"es-cur=Previous", "es-prev1=Previous", "es-prev2=Previous", "rs-cur=Current", "es-next=Current", "es-next3=Next"}, "after rotation")
}
