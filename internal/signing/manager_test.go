package signing

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/store"
)

// memKeys is an in-memory KeyStore: the manager only needs these four
// methods, and the SQLite store is exercised by the handler tests.
type memKeys struct {
	mu   sync.Mutex
	keys []store.SigningKey
}

func (s *memKeys) ListSigningKeys(context.Context) ([]store.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.SigningKey(nil), s.keys...), nil
}

func (s *memKeys) CreateSigningKey(_ context.Context, k *store.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, *k)
	return nil
}

func (s *memKeys) SetSigningKeyStatus(_ context.Context, id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys[i].Status = status
			return nil
		}
	}
	return store.ErrNotFound
}

func (s *memKeys) DeleteSigningKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys = append(s.keys[:i], s.keys[i+1:]...)
			return nil
		}
	}
	return store.ErrNotFound
}

func secret(t testing.TB) []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

func newManager(t testing.TB, st KeyStore, key []byte) *Manager {
	t.Helper()
	m, err := NewManager(st, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

func jwksKids(t *testing.T, raw []byte) []string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	var kids []string
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Use != "sig" {
			t.Fatalf("JWKS key %s is not a public signing key", k.KeyID)
		}
		kids = append(kids, k.KeyID)
	}
	return kids
}

func TestNewManagerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewManager(&memKeys{}, make([]byte, n), nil); err == nil {
			t.Fatalf("accepted a %d-byte secret key", n)
		}
	}
}

func TestEnsureKeysAndSign(t *testing.T) {
	st := &memKeys{}
	m := newManager(t, st, secret(t))
	// ES256 Current and Next (published ahead), RS256 Current.
	if len(st.keys) != 3 {
		t.Fatalf("want 3 keys, got %d", len(st.keys))
	}
	if err := m.EnsureKeys(t.Context()); err != nil || len(st.keys) != 3 {
		t.Fatalf("second EnsureKeys created keys: %v %d", err, len(st.keys))
	}
	for _, rec := range st.keys {
		if bytes.Contains(rec.PrivateKey, []byte("PRIVATE")) || len(rec.PrivateKey) < 64 {
			t.Fatal("private key not sealed")
		}
	}
	if got := m.Algorithms(); strings.Join(got, ",") != "ES256,RS256" {
		t.Fatalf("Algorithms = %v", got)
	}
	if kids := jwksKids(t, m.JWKS()); len(kids) != 3 || kids[0] != m.CurrentKeyID(ES256) {
		t.Fatalf("JWKS kids %v", kids)
	}
	var set jose.JSONWebKeySet
	_ = json.Unmarshal(m.JWKS(), &set)

	for _, tc := range []struct{ alg, typ string }{{ES256, "JWT"}, {RS256, "JWT"}, {ES256, "at+jwt"}, {ES256, "custom+jwt"}} {
		t.Run(tc.alg+"/"+tc.typ, func(t *testing.T) {
			tok, err := m.Sign(map[string]any{"sub": "u1", "n": 1}, tc.alg, tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			// Verify independently with go-jose against the published JWKS.
			jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
			if err != nil {
				t.Fatal(err)
			}
			h := jws.Signatures[0].Protected
			if h.ExtraHeaders["typ"] != tc.typ || h.KeyID != m.CurrentKeyID(tc.alg) {
				t.Fatalf("header %+v", h)
			}
			keys := set.Key(h.KeyID)
			if len(keys) != 1 {
				t.Fatal("kid not in JWKS")
			}
			payload, err := jws.Verify(keys[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(payload) != `{"n":1,"sub":"u1"}` {
				t.Fatalf("payload %s", payload)
			}
			if p, err := m.Verify(tok); err != nil || !bytes.Equal(p, payload) {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	if _, err := m.Sign(json.RawMessage(`{"a":1}`), "ES384", "JWT"); err == nil {
		t.Fatal("signed with an alg we hold no key for")
	}
}

func TestVerifyRejects(t *testing.T) {
	m := newManager(t, &memKeys{}, secret(t))
	other := newManager(t, &memKeys{}, secret(t))
	good, _ := m.Sign(map[string]string{"sub": "x"}, ES256, "JWT")
	foreign, _ := other.Sign(map[string]string{"sub": "x"}, ES256, "JWT")
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","kid":"`+m.CurrentKeyID(ES256)+`"}`)) + "." + parts[1] + "."
	// HS256 keyed with the public JWK: the classic algorithm-confusion attack.
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: m.JWKS()},
		(&jose.SignerOptions{}).WithHeader("kid", m.CurrentKeyID(ES256)))
	hsTok, _ := hs.Sign([]byte(`{"sub":"x"}`))
	hsCompact, _ := hsTok.CompactSerialize()
	// A valid RS256 signature presented under the ES256 kid.
	rsTok, _ := m.Sign(map[string]string{"sub": "x"}, RS256, "JWT")
	rsParts := strings.Split(rsTok, ".")
	swapped := enc([]byte(`{"alg":"RS256","kid":"`+m.CurrentKeyID(ES256)+`"}`)) + "." + rsParts[1] + "." + rsParts[2]

	for name, tok := range map[string]string{
		"empty":          "",
		"garbage":        "a.b.c",
		"alg none":       none,
		"hs256":          hsCompact,
		"foreign key":    foreign,
		"tampered":       parts[0] + "." + enc([]byte(`{"sub":"y"}`)) + "." + parts[2],
		"kid alg swap":   swapped,
		"json serialize": `{"payload":"x"}`,
		"huge":           strings.Repeat("a", 20000),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := m.Verify(tok); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRotation(t *testing.T) {
	st := &memKeys{}
	key := secret(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, _ := NewManager(st, key, func() time.Time { return now })
	if err := m.EnsureKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	other := newManager(t, st, key) // a second node on the same store
	first := m.CurrentKeyID(ES256)
	published := jwksKids(t, m.JWKS())
	oldTok, _ := m.Sign(map[string]string{"sub": "a"}, ES256, "JWT")

	now = now.Add(time.Hour)
	if err := m.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	second := m.CurrentKeyID(ES256)
	if second == first {
		t.Fatal("rotation kept the kid")
	}
	// The new signing key is the Next key every node published before.
	if !contains(published, second) {
		t.Fatalf("the new signing key %s was not published ahead of its use (%v)", second, published)
	}
	kids := jwksKids(t, m.JWKS())
	// new Current, RS256 Current, new Next, Previous.
	if len(kids) != 4 || kids[0] != second || !contains(kids, first) {
		t.Fatalf("after rotation JWKS = %v", kids)
	}
	if _, err := m.Verify(oldTok); err != nil {
		t.Fatal("token of the previous key no longer verifies")
	}
	// The other node still signs with the old key until it reloads, and
	// its JWKS already has the new signing key.
	if other.CurrentKeyID(ES256) != first || !contains(jwksKids(t, other.JWKS()), second) {
		t.Fatal("other node changed without reload, or lacks the new key")
	}
	if err := other.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if other.CurrentKeyID(ES256) != second || !bytes.Equal(other.JWKS(), m.JWKS()) {
		t.Fatal("reload did not pick up the rotation")
	}

	now = now.Add(time.Hour)
	if err := m.Rotate(t.Context()); err != nil {
		t.Fatal(err)
	}
	kids = jwksKids(t, m.JWKS())
	if len(kids) != 4 || contains(kids, first) {
		t.Fatalf("second rotation should drop the oldest previous key: %v", kids)
	}
	if _, err := m.Verify(oldTok); err == nil {
		t.Fatal("token of a dropped key still verifies")
	}
	// RS256 has no Next key: a new Current is made directly.
	rsOld := m.CurrentKeyID(RS256)
	if err := m.RotateAlg(t.Context(), RS256); err != nil {
		t.Fatal(err)
	}
	if kids := jwksKids(t, m.JWKS()); len(kids) != 5 || m.CurrentKeyID(RS256) == rsOld || !contains(kids, rsOld) {
		t.Fatalf("RS256 rotation: %v", kids)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestWrongSecretKey(t *testing.T) {
	st := &memKeys{}
	newManager(t, st, secret(t))
	m, _ := NewManager(st, secret(t), nil)
	if err := m.Reload(t.Context()); err == nil || !strings.Contains(err.Error(), "wrong secret key") {
		t.Fatalf("wrong key loaded: %v", err)
	}
	if err := m.EnsureKeys(t.Context()); err == nil {
		t.Fatal("EnsureKeys with the wrong key succeeded")
	}
	// A sealed key moved to another kid does not open either (AAD).
	good := secret(t)
	st2 := &memKeys{}
	newManager(t, st2, good)
	st2.keys[0].ID, st2.keys[1].ID = st2.keys[1].ID, st2.keys[0].ID
	m2, _ := NewManager(st2, good, nil)
	if err := m2.Reload(t.Context()); err == nil {
		t.Fatal("swapped ciphertext opened")
	}
}

func TestNotLoaded(t *testing.T) {
	m, _ := NewManager(&memKeys{}, secret(t), nil)
	if _, err := m.Sign(map[string]string{}, ES256, "JWT"); err == nil {
		t.Fatal("signed without keys")
	}
	if _, err := m.Verify("a.b.c"); err == nil {
		t.Fatal("verified without keys")
	}
	if string(m.JWKS()) != `{"keys":[]}` {
		t.Fatal("JWKS before load")
	}
	if err := m.Reload(t.Context()); err == nil {
		t.Fatal("Reload on an empty store should ask for EnsureKeys")
	}
}

func TestDERToRaw(t *testing.T) {
	tests := []struct {
		name string
		der  []byte
		ok   bool
	}{
		{"short ints", []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, true},
		{"leading zero", append([]byte{0x30, 0x26, 0x02, 0x21, 0x00}, append(bytes.Repeat([]byte{0xff}, 32), 0x02, 0x01, 0x05)...), true},
		{"too long", append([]byte{0x30, 0x26, 0x02, 0x21, 0x01}, append(bytes.Repeat([]byte{0xff}, 32), 0x02, 0x01, 0x05)...), false},
		{"trailing", []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x00}, false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out [64]byte
			if got := derToRaw(tc.der, out[:]); got != tc.ok {
				t.Fatalf("derToRaw = %v", got)
			}
		})
	}
}
