package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// JWT client authentication (RFC 7523 §2.2 and §3, OIDC Core §9):
// client_secret_jwt signs the assertion with HMAC keyed by a client secret,
// private_key_jwt with a key of the client's registered JWK Set. The
// assertion must be issued by the client about itself (iss = sub =
// client_id), be addressed to this OP (aud = the issuer, the token
// endpoint or the endpoint called), carry exp and a jti, and is accepted
// once: the jti is remembered until exp, so a replay fails.

// Algorithms accepted in client assertions: an explicit allow-list
// (RFC 8725 §3.1), never "none".
var (
	// Client secrets are 32 bytes, the minimum key size of HS256 only
	// (RFC 7518 §3.2), so HS384 and HS512 are not offered.
	hmacAlgs = []jose.SignatureAlgorithm{jose.HS256}
	keyAlgs  = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384,
		jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}
	// assertionAlgs is discovery's token_endpoint_auth_signing_alg_values_supported.
	assertionAlgs = func() []string {
		var out []string
		for _, a := range append(append([]jose.SignatureAlgorithm{}, hmacAlgs...), keyAlgs...) {
			out = append(out, string(a))
		}
		return out
	}()
)

// maxAssertionLife bounds how far in the future exp may be, which also
// bounds how long a jti is remembered.
const maxAssertionLife = time.Hour

// clockSkew is the tolerance for exp, nbf and iat.
const clockSkew = 30 * time.Second

type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Nbf *float64        `json:"nbf"`
	Jti string          `json:"jti"`
}

type clientAssertion struct {
	jws    *jose.JSONWebSignature
	method string
	claims assertionClaims
}

func errAssertion(desc string) error { return oauth.InvalidClient(desc) }

// parseAssertion reads an assertion without verifying it yet: the claims
// name the client whose key verifies it.
func parseAssertion(raw string) (*clientAssertion, error) {
	if raw == "" || len(raw) > 8<<10 {
		return nil, errAssertion("client_assertion is missing or too large")
	}
	jws, err := jose.ParseSignedCompact(raw, append(append([]jose.SignatureAlgorithm{}, hmacAlgs...), keyAlgs...))
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errAssertion("client_assertion is not a valid JWS")
	}
	a := &clientAssertion{jws: jws, method: application.MethodPrivateKeyJWT}
	alg := jose.SignatureAlgorithm(jws.Signatures[0].Protected.Algorithm)
	for _, h := range hmacAlgs {
		if alg == h {
			a.method = application.MethodSecretJWT
		}
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &a.claims); err != nil {
		return nil, errAssertion("client_assertion claims are malformed")
	}
	if a.claims.Sub == "" || a.claims.Iss != a.claims.Sub {
		return nil, errAssertion("client_assertion iss and sub must both be the client_id")
	}
	return a, nil
}

// verifyAssertion checks the signature with the client's keys, then the
// claims, then records the jti.
func (h *Handler) verifyAssertion(ctx context.Context, app *store.Application, a *clientAssertion, endpoint string) error {
	if a == nil {
		return errAssertion("client assertion required")
	}
	verified := false
	switch a.method {
	case application.MethodSecretJWT:
		keys, err := h.apps.HMACKeys(ctx, app)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := a.jws.Verify(k); err == nil {
				verified = true
			}
		}
	case application.MethodPrivateKeyJWT:
		var set jose.JSONWebKeySet
		if len(app.OIDCClientMetadata.JWKS) == 0 || json.Unmarshal(app.OIDCClientMetadata.JWKS, &set) != nil {
			return errAssertion("the client has no keys registered")
		}
		kid := a.jws.Signatures[0].Protected.KeyID
		for _, k := range set.Keys {
			if (kid != "" && k.KeyID != kid) || !k.IsPublic() || (k.Use != "" && k.Use != "sig") {
				continue
			}
			if _, err := a.jws.Verify(k); err == nil {
				verified = true
				break
			}
		}
	}
	if !verified {
		return errAssertion("client assertion signature is invalid")
	}
	c := a.claims
	now := h.now()
	if !audienceOK(c.Aud, h.issuer, h.issuer+"/token", endpoint) {
		return errAssertion("client assertion audience must be the issuer or the endpoint")
	}
	if c.Exp == nil {
		return errAssertion("client assertion must have exp")
	}
	exp := time.Unix(int64(*c.Exp), 0)
	if !now.Before(exp.Add(clockSkew)) {
		return errAssertion("client assertion has expired")
	}
	if exp.After(now.Add(maxAssertionLife)) {
		return errAssertion("client assertion lives too long")
	}
	if c.Nbf != nil && time.Unix(int64(*c.Nbf), 0).After(now.Add(clockSkew)) {
		return errAssertion("client assertion is not valid yet")
	}
	if c.Jti == "" || len(c.Jti) > 256 {
		return errAssertion("client assertion must have a jti")
	}
	err := h.store.RecordAssertionJTI(ctx, app.ID, c.Jti, exp.Add(clockSkew), now)
	if errors.Is(err, store.ErrConflict) {
		return errAssertion("client assertion has already been used")
	}
	return err
}

// audienceOK reports whether aud (a string or an array) names one of want.
func audienceOK(aud json.RawMessage, want ...string) bool {
	var list []string
	var one string
	if json.Unmarshal(aud, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(aud, &list) != nil {
		return false
	}
	for _, a := range list {
		for _, w := range want {
			if a != "" && a == w {
				return true
			}
		}
	}
	return false
}
