package signing

import (
	"errors"

	"github.com/go-jose/go-jose/v4"
)

// ErrInvalidSignature covers every way a token can fail Verify: malformed,
// an algorithm outside the allow-list, an unknown kid, a bad signature.
var ErrInvalidSignature = errors.New("signing: invalid token signature")

// allowed is the explicit algorithm allow-list for tokens we verify: only
// what we sign with. "none" and HMAC can never pass (RFC 8725 §3.1).
var allowed = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// Verify checks that token is a compact JWS signed by one of our keys
// (any status, so tokens from before a rotation still verify) and returns
// its payload. It checks no claims: expiry, issuer and audience are the
// caller's business (an id_token_hint may be expired, OIDC RP-Initiated
// Logout §2).
func (m *Manager) Verify(token string) ([]byte, error) {
	set := m.set.Load()
	if set == nil || len(token) > 16<<10 {
		return nil, ErrInvalidSignature
	}
	jws, err := jose.ParseSignedCompact(token, allowed)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrInvalidSignature
	}
	h := jws.Signatures[0].Protected
	k := set.byKid[h.KeyID]
	if k == nil || h.Algorithm != k.alg {
		return nil, ErrInvalidSignature
	}
	payload, err := jws.Verify(k.public)
	if err != nil {
		return nil, ErrInvalidSignature
	}
	return payload, nil
}
