package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// MethodS256 is the only PKCE method offered: "plain" is refused because it
// protects nothing once the authorization request leaks (RFC 7636 §4.2,
// RFC 9700 §2.1.1).
const MethodS256 = "S256"

// ValidVerifier reports whether v is a well-formed code_verifier:
// 43 to 128 unreserved characters (RFC 7636 §4.1).
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isUnreserved(v[i]) {
			return false
		}
	}
	return true
}

// ValidChallenge reports whether c can be an S256 code_challenge: the
// base64url encoding, unpadded, of a SHA-256 digest is exactly 43 characters
// (RFC 7636 §4.2). Anything else could never match a verifier.
func ValidChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

func isUnreserved(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
		b == '-' || b == '.' || b == '_' || b == '~'
}

// S256Challenge derives the challenge of verifier (RFC 7636 §4.2).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// VerifyPKCE checks verifier against the challenge stored with the code
// (RFC 7636 §4.6). Only S256 is accepted; the comparison is constant-time.
func VerifyPKCE(challenge, method, verifier string) bool {
	if method != MethodS256 || !ValidChallenge(challenge) || !ValidVerifier(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(S256Challenge(verifier)), []byte(challenge)) == 1
}
