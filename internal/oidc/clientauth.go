package oidc

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// clientCredential is how a request identifies its client. Exactly one
// method may be used per request (RFC 6749 §2.3): HTTP Basic, the form's
// client_secret, a JWT client assertion (RFC 7523 §2.2), or client_id
// alone for public clients.
type clientCredential struct {
	method   string
	clientID string
	secret   string
	// assertion is the parsed client_assertion (RFC 7523).
	assertion *clientAssertion
}

// assertionType is the only client_assertion_type (RFC 7523 §2.2).
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// parseClientCredential reads the credential from the Authorization header
// or the form, refusing requests that use more than one method.
func parseClientCredential(r *http.Request, v url.Values) (clientCredential, error) {
	authz := r.Header.Get("Authorization")
	hasBasic := len(authz) > 6 && strings.EqualFold(authz[:6], "basic ")
	hasPost := v.Has("client_secret")
	hasAssertion := v.Has("client_assertion") || v.Has("client_assertion_type")
	n := 0
	for _, b := range []bool{hasBasic, hasPost, hasAssertion} {
		if b {
			n++
		}
	}
	if n > 1 {
		return clientCredential{}, oauth.InvalidRequest("only one client authentication method may be used")
	}
	switch {
	case hasAssertion:
		if v.Get("client_assertion_type") != assertionType {
			return clientCredential{}, oauth.InvalidRequest("client_assertion_type must be " + assertionType)
		}
		a, err := parseAssertion(v.Get("client_assertion"))
		if err != nil {
			return clientCredential{}, err
		}
		// RFC 7523 §3: sub is the client_id; a client_id parameter, if
		// sent, must agree (RFC 7521 §4.2).
		if p := v.Get("client_id"); p != "" && p != a.claims.Sub {
			return clientCredential{}, oauth.InvalidClient("client_id does not match the client assertion")
		}
		return clientCredential{method: a.method, clientID: a.claims.Sub, assertion: a}, nil
	case hasBasic:
		id, secret, ok := decodeBasic(authz[6:])
		if !ok {
			return clientCredential{method: application.MethodSecretBasic}, oauth.InvalidClient("malformed Basic credentials")
		}
		if p := v.Get("client_id"); p != "" && p != id {
			return clientCredential{}, oauth.InvalidRequest("client_id does not match the authenticated client")
		}
		return clientCredential{method: application.MethodSecretBasic, clientID: id, secret: secret}, nil
	case hasPost:
		return clientCredential{method: application.MethodSecretPost, clientID: v.Get("client_id"), secret: v.Get("client_secret")}, nil
	}
	return clientCredential{method: application.MethodNone, clientID: v.Get("client_id")}, nil
}

// decodeBasic decodes HTTP Basic credentials. RFC 6749 §2.3.1: client_id
// and secret are form-urlencoded before they are joined, so each half is
// URL-decoded after splitting at the first colon.
func decodeBasic(b64 string) (id, secret string, ok bool) {
	// Decoded on the stack: only the string of the result is allocated.
	var stack [256]byte
	raw, err := base64.StdEncoding.AppendDecode(stack[:0], []byte(strings.TrimSpace(b64)))
	if err != nil {
		return "", "", false
	}
	i, s, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(i); err != nil || id == "" {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(s); err != nil {
		return "", "", false
	}
	if !clean(id) || !clean(secret) {
		return "", "", false
	}
	return id, secret, true
}

// authenticateClient loads the client and checks the credential against
// its type: public clients (SPA, Native) use "none" and may not present a
// secret; confidential ones must prove a secret or a key, by the
// registered method if one is registered. endpoint is the URL the request
// was sent to, an acceptable audience of a client assertion.
func (h *Handler) authenticateClient(ctx context.Context, c clientCredential, endpoint string) (*store.Application, error) {
	if c.clientID == "" {
		return nil, oauth.InvalidClient("client authentication failed")
	}
	app, err := h.store.GetApplication(ctx, c.clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauth.InvalidClient("client authentication failed")
	}
	if err != nil {
		return nil, err
	}
	public := application.IsPublic(app)
	switch c.method {
	case application.MethodNone:
		if !public {
			return nil, oauth.InvalidClient("client authentication failed")
		}
		return app, nil
	case application.MethodSecretBasic, application.MethodSecretPost, application.MethodSecretJWT, application.MethodPrivateKeyJWT:
	default:
		return nil, oauth.InvalidClient("unsupported client authentication method")
	}
	if public {
		return nil, oauth.InvalidClient("public clients must not authenticate with a secret or key")
	}
	if reg := app.OIDCClientMetadata.TokenEndpointAuthMethod; reg != "" && reg != c.method {
		return nil, oauth.InvalidClient("the client authentication method does not match the registered one")
	}
	switch c.method {
	case application.MethodSecretJWT, application.MethodPrivateKeyJWT:
		if err := h.verifyAssertion(ctx, app, c.assertion, endpoint); err != nil {
			return nil, err
		}
	default:
		if err := h.apps.VerifySecret(ctx, app, c.secret); err != nil {
			if errors.Is(err, application.ErrInvalidClient) {
				return nil, oauth.InvalidClient("client authentication failed")
			}
			return nil, err
		}
	}
	return app, nil
}
