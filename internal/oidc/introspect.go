package oidc

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// introspection is the RFC 7662 §2.2 response. Only "active" is present
// for a token that is not active.
type introspection struct {
	Active    bool   `json:"active"`
	Scope     string `json:"scope,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	TokenType string `json:"token_type,omitempty"`
	Exp       int64  `json:"exp,omitempty"`
	Iat       int64  `json:"iat,omitempty"`
	Sub       string `json:"sub,omitempty"`
	Iss       string `json:"iss,omitempty"`
	Sid       string `json:"sid,omitempty"`
}

var inactive = []byte(`{"active":false}`)

// handleIntrospect is the introspection endpoint (RFC 7662). Only
// confidential clients may call it (§2.1: the endpoint must be protected
// against token scanning; spec/oidc.md: confidential clients only). As in
// Logto (oidc-provider), the OP's opaque access tokens and refresh tokens
// can be introspected; structured JWT access tokens are self-contained and
// answer {"active": false}. A token that is expired, revoked, rotated out,
// or whose user is gone or suspended is not active.
func (h *Handler) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _, cred, ok := h.tokenEndpointClient(w, r, h.introspectionURL)
	if !ok {
		return
	}
	if cred.method == application.MethodNone {
		h.writeClientError(w, r, cred, oauth.InvalidClient("introspection requires client authentication"))
		return
	}
	raw := v.Get("token")
	if raw == "" {
		h.writeError(w, r, oauth.InvalidRequest("missing required parameter 'token'"))
		return
	}
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	hd["Cache-Control"] = hdrNoStore
	now := h.now()
	t, err := h.store.GetToken(ctx, token.Hash(raw), now)
	if errors.Is(err, store.ErrNotFound) {
		_, _ = w.Write(inactive)
		return
	}
	if err != nil {
		hd.Del("Content-Type")
		h.writeError(w, r, err)
		return
	}
	if !t.ConsumedAt.IsZero() || !h.subjectActive(r, t) {
		_, _ = w.Write(inactive)
		return
	}
	out := introspection{Active: true, Scope: oauth.FormatScope(t.Scopes), ClientID: t.ClientID,
		Exp: t.ExpiresAt.Unix(), Iat: t.CreatedAt.Unix(), Sub: t.UserID, Iss: h.issuer, Sid: token.SID(t.SessionID)}
	if t.Kind == store.TokenAccess {
		out.TokenType = "Bearer"
	} else {
		out.TokenType = "refresh_token"
	}
	if out.Sub == "" {
		out.Sub = t.ClientID
	}
	buf := jsonBufs.Get().(*[]byte)
	defer putJSONBuf(buf)
	*buf = out.appendJSON((*buf)[:0])
	_, _ = w.Write(*buf)
}

// appendJSON appends what json.Marshal(i) gives, without reflection.
func (i *introspection) appendJSON(b []byte) []byte {
	b = append(b, `{"active":`...)
	b = strconv.AppendBool(b, i.Active)
	str := func(b []byte, key, v string) []byte {
		if v == "" {
			return b
		}
		b = append(b, key...)
		return token.AppendJSONString(b, v)
	}
	num := func(b []byte, key string, v int64) []byte {
		if v == 0 {
			return b
		}
		b = append(b, key...)
		return strconv.AppendInt(b, v, 10)
	}
	b = str(b, `,"scope":`, i.Scope)
	b = str(b, `,"client_id":`, i.ClientID)
	b = str(b, `,"token_type":`, i.TokenType)
	b = num(b, `,"exp":`, i.Exp)
	b = num(b, `,"iat":`, i.Iat)
	b = str(b, `,"sub":`, i.Sub)
	b = str(b, `,"iss":`, i.Iss)
	b = str(b, `,"sid":`, i.Sid)
	return append(b, '}')
}

// subjectActive: a token of a deleted or suspended user is not active.
func (h *Handler) subjectActive(r *http.Request, t *store.Token) bool {
	if t.UserID == "" {
		return true
	}
	u, err := h.store.GetUser(r.Context(), t.UserID)
	return err == nil && !u.IsSuspended
}
