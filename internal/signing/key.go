package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Algorithms this package can hold keys for.
const (
	ES256 = "ES256"
	RS256 = "RS256"
)

// Token types we sign. Their headers are encoded once per key.
var knownTypes = []string{"JWT", "at+jwt", "logout+jwt"}

// key is one loaded signing key: decrypted once, with its headers encoded.
type key struct {
	kid       string
	alg       string
	status    string
	createdAt time.Time
	ec        *ecdsa.PrivateKey
	rsa       *rsa.PrivateKey
	public    crypto.PublicKey
	publicJWK []byte
	// headers maps typ to the base64url protected header.
	headers map[string][]byte
}

func (k *key) header(typ string) []byte {
	if h, ok := k.headers[typ]; ok {
		return h
	}
	return encodeHeader(k.alg, k.kid, typ)
}

// encodeHeader builds the JWS protected header (RFC 7515 §4.1). kid and typ
// come from us, never from a request, but go through json.Marshal anyway.
func encodeHeader(alg, kid, typ string) []byte {
	h := struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ,omitempty"`
	}{alg, kid, typ}
	b, _ := json.Marshal(h)
	return base64.RawURLEncoding.AppendEncode(nil, b)
}

// generate makes a new private key for alg, sealed for the store.
func generate(s *sealer, alg, status string, now time.Time) (*store.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("signing: unsupported algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("signing: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("signing: encode key: %w", err)
	}
	kid := id.New()
	jwk, err := publicJWK(kid, alg, priv.Public())
	if err != nil {
		return nil, err
	}
	return &store.SigningKey{
		ID: kid, Alg: alg, Status: status,
		PrivateKey: s.seal(kid, der),
		PublicJWK:  jwk,
		CreatedAt:  now.UTC().Truncate(time.Millisecond),
	}, nil
}

func publicJWK(kid, alg string, pub crypto.PublicKey) ([]byte, error) {
	b, err := jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("signing: encode jwk: %w", err)
	}
	return b, nil
}

// load opens a stored key.
func load(s *sealer, rec *store.SigningKey) (*key, error) {
	der, err := s.open(rec.ID, rec.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", rec.ID, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing: key %s: %w", rec.ID, err)
	}
	k := &key{kid: rec.ID, alg: rec.Alg, status: rec.Status, createdAt: rec.CreatedAt}
	switch p := parsed.(type) {
	case *ecdsa.PrivateKey:
		if rec.Alg != ES256 || p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing: key %s: alg %s does not fit an EC key", rec.ID, rec.Alg)
		}
		k.ec, k.public = p, &p.PublicKey
	case *rsa.PrivateKey:
		if rec.Alg != RS256 {
			return nil, fmt.Errorf("signing: key %s: alg %s does not fit an RSA key", rec.ID, rec.Alg)
		}
		p.Precompute()
		k.rsa, k.public = p, &p.PublicKey
	default:
		return nil, fmt.Errorf("signing: key %s: unsupported key type %T", rec.ID, parsed)
	}
	// Re-derive the JWK from the private key rather than trusting the
	// stored copy, so JWKS can never publish a key we do not hold.
	if k.publicJWK, err = publicJWK(k.kid, k.alg, k.public); err != nil {
		return nil, err
	}
	k.headers = make(map[string][]byte, len(knownTypes))
	for _, typ := range knownTypes {
		k.headers[typ] = encodeHeader(k.alg, k.kid, typ)
	}
	return k, nil
}
