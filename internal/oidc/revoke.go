package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// handleRevoke is the revocation endpoint (RFC 7009). Any client may revoke
// its own tokens (public clients identify themselves with client_id,
// §2.1). Revoking a refresh token also revokes every token of its grant
// (§2.1: "SHOULD also invalidate all access tokens based on the same
// authorization grant"), rotated-out ones included; revoking an opaque
// access token revokes only it. An unknown or already invalid token is
// answered 200 (§2.2). JWT access tokens are not stored and cannot be
// revoked: unsupported_token_type (§2.2.1), as oidc-provider answers.
func (h *Handler) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, client, _, ok := h.tokenEndpointClient(w, r, "/token/revocation")
	if !ok {
		return
	}
	raw := v.Get("token")
	if raw == "" {
		h.writeError(w, r, oauth.InvalidRequest("missing required parameter 'token'"))
		return
	}
	if hint := v.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		h.writeError(w, r, oauth.UnsupportedTokenType("unsupported token_type_hint"))
		return
	}
	hash := token.Hash(raw)
	t, err := h.store.GetToken(ctx, hash, h.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		if strings.Count(raw, ".") == 2 {
			if _, verr := h.keys.Verify(raw); verr == nil {
				h.writeError(w, r, oauth.UnsupportedTokenType("structured JWT tokens cannot be revoked"))
				return
			}
		}
	case err != nil:
		h.writeError(w, r, err)
		return
	case t.ClientID != client.ID:
		// §2.1: the token must have been issued to the requesting client.
		h.writeError(w, r, oauth.InvalidRequest("the token was not issued to this client"))
		return
	case t.Kind == store.TokenRefresh && t.GrantID != "":
		if _, err := h.store.DeleteGrantTokens(ctx, t.GrantID); err != nil {
			h.writeError(w, r, err)
			return
		}
	default:
		if err := h.store.DeleteToken(ctx, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.writeError(w, r, err)
			return
		}
	}
	w.Header()["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusOK)
}

// tokenEndpointClient does what introspection and revocation share with
// the token endpoint: POST form parameters, no repeats, one client
// authentication method, CORS for the client's origins. On failure it has
// written the error and ok is false. endpoint is the endpoint's URL, or its
// path under the issuer (then the URL is only built for a client assertion,
// whose audience it is).
func (h *Handler) tokenEndpointClient(w http.ResponseWriter, r *http.Request, endpoint string) (url.Values, *store.Application, clientCredential, bool) {
	v, err := readParams(w, r)
	if err == nil {
		err = checkSingle(v)
	}
	if err != nil {
		h.writeError(w, r, err)
		return nil, nil, clientCredential{}, false
	}
	cred, err := parseClientCredential(r, v)
	if err != nil {
		h.writeClientError(w, r, cred, err)
		return nil, nil, cred, false
	}
	if strings.HasPrefix(endpoint, "/") {
		if cred.assertion != nil {
			endpoint = h.issuer + endpoint
		} else {
			endpoint = ""
		}
	}
	client, err := h.authenticateClient(r.Context(), cred, endpoint)
	if err != nil {
		h.writeClientError(w, r, cred, err)
		return nil, nil, cred, false
	}
	h.allowCORS(w, r, client)
	return v, client, cred, true
}
