package token

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/gatehouse/gatehouse/internal/id"
)

// NewOpaque returns a fresh 256-bit random token and the hash to store.
// Only the hash is persisted, so a leaked database holds no usable token.
func NewOpaque() (plain string, hash []byte) {
	plain = id.NewToken()
	return plain, Hash(plain)
}

// NewRefresh returns a fresh refresh token of the chain grantID and the hash
// to store. The value ends in "." and the grant ID: a refresh token is
// rotated in place (one row per chain), so a rotated-out value is no longer
// in the store, and its suffix is what still names the chain it belonged
// to when it comes back (reuse revokes the chain, RFC 9700 §4.14.2). The
// grant ID is no secret: it grants nothing and is unguessable.
func NewRefresh(grantID string) (plain string, hash []byte) {
	plain = id.NewToken()
	if grantID != "" {
		plain += "." + grantID
	}
	return plain, Hash(plain)
}

// RefreshGrant is the grant ID a refresh token from NewRefresh names, or
// "" for any other value.
func RefreshGrant(plain string) string {
	_, grantID, ok := strings.Cut(plain, ".")
	if !ok || len(grantID) == 0 || len(grantID) > 64 {
		return ""
	}
	return grantID
}

// Hash is SHA-256 of an opaque token, code or secret: what the store keeps.
func Hash(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// ATHash computes at_hash (OIDC Core §3.1.3.6): the left half of the hash
// of the access token, with the hash of the ID token's alg. ES256 and RS256
// both use SHA-256.
func ATHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// SID derives the ID token's sid claim (OIDC Front-/Back-Channel Logout)
// from a session ID. The session ID itself is the browser's bearer secret
// behind the session cookie and must not travel to clients, so sid is a
// one-way function of it: stable for the session, useless as a cookie.
func SID(sessionID string) string {
	if sessionID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("gatehouse-sid\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
