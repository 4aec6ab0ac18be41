package oidc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// handleEndSession is RP-Initiated Logout 1.0 (GET or POST). It ends the
// browser session — only the session: refresh tokens of offline grants
// survive, as in Logto — and redirects to post_logout_redirect_uri only if
// it is exactly one of the client's registered URIs (§3: never to an
// unregistered one); otherwise it shows the signed-out page.
//
// Still to come here: the confirmation step (POST /oidc/session/end/confirm
// with a per-request token, against logout CSRF), and back-channel logout
// to every client in Session.ClientIDs, sent after the session is deleted.
func (h *Handler) handleEndSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := readParams(w, r)
	if err == nil {
		err = checkSingle(v)
	}
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	clientID := v.Get("client_id")
	if hint := v.Get("id_token_hint"); hint != "" {
		aud, err := h.hintAudience(hint)
		if err != nil {
			h.errorPage(w, r, err)
			return
		}
		if clientID != "" && clientID != aud {
			h.errorPage(w, r, oauth.InvalidRequest("client_id does not match the id_token_hint audience"))
			return
		}
		clientID = aud
	}
	target := ""
	if uri := v.Get("post_logout_redirect_uri"); uri != "" && clientID != "" {
		app, err := h.store.GetApplication(ctx, clientID)
		switch {
		case err == nil:
			if oauth.Contains(app.OIDCClientMetadata.PostLogoutRedirectURIs, uri) {
				target = uri
			}
		case !errors.Is(err, store.ErrNotFound):
			h.errorPage(w, r, err)
			return
		}
	}
	if sid := h.cookies.Get(r, cookie.Session); sid != "" {
		if err := h.store.DeleteSession(ctx, sid); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.errorPage(w, r, err)
			return
		}
	}
	h.cookies.Clear(w, cookie.Session)
	if target == "" {
		renderPage(w, http.StatusOK, "signedout", pageData{Title: "Signed out", Message: "You have been signed out. You can close this window."})
		return
	}
	loc, _ := url.Parse(target) // registered URIs are validated absolute URIs
	if state := v.Get("state"); state != "" {
		q := loc.Query()
		q.Set("state", state)
		loc.RawQuery = q.Encode()
	}
	hd := w.Header()
	hd.Set("Location", loc.String())
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// hintAudience verifies an id_token_hint with our keys (any status, and
// expired tokens allowed: RP-Initiated Logout §2) and returns its client.
func (h *Handler) hintAudience(hint string) (string, error) {
	bad := oauth.InvalidRequest("id_token_hint is invalid")
	payload, err := h.keys.Verify(hint)
	if err != nil {
		return "", bad
	}
	var c struct {
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Iss != h.issuer {
		return "", bad
	}
	var aud string
	if json.Unmarshal(c.Aud, &aud) == nil && aud != "" {
		return aud, nil
	}
	var auds []string
	if json.Unmarshal(c.Aud, &auds) == nil && len(auds) == 1 {
		return auds[0], nil
	}
	return "", bad
}
