package oidc

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// handleUserinfo is the UserInfo endpoint (OIDC Core §5.3). It takes the
// OP's own opaque access tokens only; JWT access tokens are for API
// resources and are not found here. Claims follow the granted scopes, with
// every claim the scopes map to (Logto: userinfo always returns them all).
func (h *Handler) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bearer, err := h.bearerToken(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	now := h.now()
	at, err := h.store.GetToken(ctx, token.Hash(bearer), now)
	if errors.Is(err, store.ErrNotFound) || err == nil && at.Kind != store.TokenAccess {
		h.writeError(w, r, oauth.InvalidToken("the access token is invalid or expired"))
		return
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if r.Header.Get("Origin") != "" {
		if app, err := h.store.GetApplication(ctx, at.ClientID); err == nil {
			h.allowCORS(w, r, app)
		}
	}
	if !oauth.Contains(at.Scopes, token.ScopeOpenID) {
		h.writeError(w, r, oauth.InsufficientScope("the access token lacks the openid scope"))
		return
	}
	user, err := h.store.GetUser(ctx, at.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && user.IsSuspended {
		h.writeError(w, r, oauth.InvalidToken("the access token is invalid or expired"))
		return
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	data := token.UserData{User: user}
	if oauth.Contains(at.Scopes, token.ScopeRoles) {
		roles, err := h.store.ListUserRoles(ctx, user.ID)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		for _, role := range roles {
			data.Roles = append(data.Roles, role.Name)
		}
	}
	buf := jsonBufs.Get().(*[]byte)
	defer putJSONBuf(buf)
	body, err := token.AppendUserClaims((*buf)[:0], data, at.Scopes, false)
	*buf = body
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	hd["Cache-Control"] = hdrNoStore
	_, _ = w.Write(body)
}

// jsonBufs holds response buffers: the ResponseWriter copies what it is
// given, so a buffer is reused once Write returns.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func putJSONBuf(b *[]byte) {
	if cap(*b) <= 16<<10 { // one huge body must not pin memory
		jsonBufs.Put(b)
	}
}

// bearerToken reads the access token from the Authorization header or, on
// POST, the access_token form field (RFC 6750 §2.1–2.2), never both.
func (h *Handler) bearerToken(w http.ResponseWriter, r *http.Request) (string, error) {
	var fromHeader string
	if a := r.Header.Get("Authorization"); a != "" {
		if len(a) < 7 || !strings.EqualFold(a[:7], "bearer ") {
			return "", oauth.InvalidToken("the Authorization header must use the Bearer scheme")
		}
		fromHeader = strings.TrimSpace(a[7:])
	}
	var fromBody string
	if r.Method == http.MethodPost {
		v, err := readParams(w, r)
		if err != nil {
			return "", err
		}
		if len(v["access_token"]) > 1 {
			return "", oauth.InvalidRequest("parameter 'access_token' must not be repeated")
		}
		fromBody = v.Get("access_token")
	}
	switch {
	case fromHeader != "" && fromBody != "":
		return "", oauth.InvalidRequest("the access token must be sent in one place only")
	case fromHeader != "":
		return fromHeader, nil
	case fromBody != "":
		return fromBody, nil
	}
	return "", oauth.InvalidToken("no access token provided")
}
