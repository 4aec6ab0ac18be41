package token

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
)

// Signer signs claims into a compact JWS with the Current key of alg.
type Signer interface {
	Sign(claims any, alg, typ string) (string, error)
}

// Minter builds and signs JWTs for one issuer.
type Minter struct {
	Issuer string
	Signer Signer
}

// DefaultAlg signs access tokens, and ID tokens of clients that did not
// register another alg.
const DefaultAlg = "ES256"

// Default lifetimes (spec/oidc.md "Grants and tokens").
const (
	AccessTokenTTL  = time.Hour
	IDTokenTTL      = time.Hour
	CodeTTL         = 60 * time.Second
	RefreshTokenTTL = 14 * 24 * time.Hour
)

// IDToken is the input for an ID token.
type IDToken struct {
	Subject   string
	Audience  string
	Nonce     string
	AuthTime  time.Time
	IssuedAt  time.Time
	ExpiresAt time.Time
	// AccessToken, when set, is hashed into at_hash.
	AccessToken string
	// SessionID is the browser session; sid is derived from it.
	SessionID string
	AMR       []string
	// User, when set, gives the user claims by Scopes (the ID token's
	// set: no custom_data or identities).
	User   *UserData
	Scopes []string
}

// IDToken signs an ID token (OIDC Core §2) with alg ("" means ES256).
func (m *Minter) IDToken(t IDToken, alg string) (string, error) {
	if alg == "" {
		alg = DefaultAlg
	}
	bp := claimsPool.Get().(*[]byte)
	b, err := appendIDClaims((*bp)[:0], m.Issuer, &t)
	if err != nil {
		return "", fmt.Errorf("sign id token: %w", err)
	}
	tok, err := m.Signer.Sign(json.RawMessage(b), alg, "JWT")
	if cap(b) <= 4<<10 {
		*bp = b
		claimsPool.Put(bp)
	}
	if err != nil {
		return "", fmt.Errorf("sign id token: %w", err)
	}
	return tok, nil
}

// AccessToken is the input for a JWT access token (RFC 9068 §2.2).
type AccessToken struct {
	Subject   string
	Audience  string // the resource indicator
	ClientID  string
	Scope     string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// AccessToken signs a JWT access token with typ at+jwt (RFC 9068 §2.1).
// scope is always present, even empty, as Logto's tokens have it. The
// claims are appended straight into a pooled buffer, in a fixed order:
// jti, sub, iat, exp, scope, client_id, iss, aud (what json.Marshal gave
// for the struct they used to be; tested). Signer.Sign must not keep the
// json.RawMessage it is given.
func (m *Minter) AccessToken(t AccessToken) (string, error) {
	bp := claimsPool.Get().(*[]byte)
	b := AppendAccessClaims((*bp)[:0], id.New(), m.Issuer, t)
	tok, err := m.Signer.Sign(json.RawMessage(b), DefaultAlg, "at+jwt")
	if cap(b) <= 4<<10 {
		*bp = b
		claimsPool.Put(bp)
	}
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return tok, nil
}

var claimsPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// AppendAccessClaims appends the claims JSON of access token t with the
// given jti and issuer to dst.
func AppendAccessClaims(dst []byte, jti, issuer string, t AccessToken) []byte {
	dst = append(dst, `{"jti":`...)
	dst = AppendJSONString(dst, jti)
	dst = append(dst, `,"sub":`...)
	dst = AppendJSONString(dst, t.Subject)
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, t.IssuedAt.Unix(), 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, t.ExpiresAt.Unix(), 10)
	dst = append(dst, `,"scope":`...)
	dst = AppendJSONString(dst, t.Scope)
	dst = append(dst, `,"client_id":`...)
	dst = AppendJSONString(dst, t.ClientID)
	dst = append(dst, `,"iss":`...)
	dst = AppendJSONString(dst, issuer)
	dst = append(dst, `,"aud":`...)
	dst = AppendJSONString(dst, t.Audience)
	return append(dst, '}')
}
