package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// RP-Initiated Logout 1.0, in three steps as in Logto (oidc-provider):
//
//	GET/POST /oidc/session/end          validate, then ask for confirmation
//	POST     /oidc/session/end/confirm  end the session, notify RPs, redirect
//	GET      /oidc/session/end/success  the signed-out page
//
// The request is validated first: post_logout_redirect_uri is used only if
// it is exactly one of the client's registered URIs (§3: never an
// unregistered one), the client being named by client_id or by a valid
// id_token_hint (§2). The confirmation form carries a per-request token that
// must match the one in a signed, HttpOnly cookie, so another site cannot
// sign the user out (logout CSRF). When the id_token_hint proves the RP
// speaks for this very session the form submits itself, as Logto's does;
// otherwise the user clicks. Ending the session leaves offline refresh
// tokens alone (Logto) and sends back-channel logout tokens.

// logoutCookie holds the pending logout between the two steps.
const logoutCookie = "gatehouse_logout"

const logoutTTL = 10 * time.Minute

// maxLogoutState bounds the state carried through the confirmation.
const maxLogoutState = 512

type pendingLogout struct {
	XSRF   string `json:"x"`
	Target string `json:"t,omitempty"`
	State  string `json:"s,omitempty"`
}

// handleEndSession is the end_session_endpoint (GET or POST, §2).
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
	if len(v.Get("state")) > maxLogoutState {
		// The pending logout lives in a cookie, which browsers cap at 4 KiB.
		h.errorPage(w, r, oauth.InvalidRequest("state is too long"))
		return
	}
	clientID := v.Get("client_id")
	var hint *hintClaims
	if raw := v.Get("id_token_hint"); raw != "" {
		if hint, err = h.parseHint(raw); err != nil {
			h.errorPage(w, r, err)
			return
		}
		if clientID != "" && clientID != hint.aud {
			h.errorPage(w, r, oauth.InvalidRequest("client_id does not match the id_token_hint audience"))
			return
		}
		clientID = hint.aud
	}
	pl := pendingLogout{XSRF: id.NewToken()}
	if uri := v.Get("post_logout_redirect_uri"); uri != "" && clientID != "" {
		app, err := h.store.GetApplication(ctx, clientID)
		switch {
		case err == nil:
			if oauth.Contains(app.OIDCClientMetadata.PostLogoutRedirectURIs, uri) {
				pl.Target, pl.State = uri, v.Get("state")
			}
		case !errors.Is(err, store.ErrNotFound):
			h.errorPage(w, r, err)
			return
		}
	}
	sess, err := h.sessionOf(ctx, r)
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	if sess == nil {
		// Nobody is signed in: nothing to confirm or end.
		h.cookies.Clear(w, cookie.Session)
		h.finishLogout(w, pl)
		return
	}
	raw, _ := json.Marshal(pl)
	h.cookies.Set(w, logoutCookie, base64.RawURLEncoding.EncodeToString(raw), logoutTTL)
	auto := hint != nil && hint.sid != "" && hint.sid == token.SID(sess.ID)
	renderPage(w, http.StatusOK, "logout", pageData{Title: "Sign out", Message: "Do you want to sign out?",
		Action: h.issuer + "/session/end/confirm", Fields: map[string]string{"xsrf": pl.XSRF, "logout": "yes"}, Auto: auto})
}

// handleEndSessionConfirm ends the session after the confirmation.
func (h *Handler) handleEndSessionConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := readParams(w, r)
	if err == nil {
		err = checkSingle(v)
	}
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	var pl pendingLogout
	raw, _ := base64.RawURLEncoding.DecodeString(h.cookies.Get(r, logoutCookie))
	if len(raw) == 0 || json.Unmarshal(raw, &pl) != nil || pl.XSRF == "" ||
		subtle.ConstantTimeCompare([]byte(pl.XSRF), []byte(v.Get("xsrf"))) != 1 {
		h.errorPage(w, r, oauth.InvalidRequest("the sign-out request has expired or was not made here; sign out from the application again"))
		return
	}
	h.cookies.Clear(w, logoutCookie)
	if sess, err := h.sessionOf(ctx, r); err != nil {
		h.errorPage(w, r, err)
		return
	} else if sess != nil {
		notices, err := h.logoutNotices(ctx, sess)
		if err == nil {
			// The session ends and its back-channel notices are queued in
			// one transaction: neither happens without the other.
			err = h.store.InTx(ctx, func(tx store.Store) error {
				if err := tx.DeleteSession(ctx, sess.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if len(notices) == 0 {
					return nil
				}
				return tx.EnqueueLogoutNotices(ctx, notices)
			})
		}
		if err != nil {
			h.errorPage(w, r, err)
			return
		}
		h.log.InfoContext(ctx, "session ended", "user_id", sess.UserID, "backchannel_notices", len(notices))
		h.logout.poke()
	}
	h.cookies.Clear(w, cookie.Session)
	h.cookies.Clear(w, cookie.Interaction)
	h.finishLogout(w, pl)
}

// handleEndSessionSuccess is the signed-out page.
func (h *Handler) handleEndSessionSuccess(w http.ResponseWriter, r *http.Request) {
	renderPage(w, http.StatusOK, "signedout", pageData{Title: "Signed out", Message: "You have been signed out. You can close this window."})
}

// finishLogout redirects to the validated post_logout_redirect_uri with
// state, or to the signed-out page.
func (h *Handler) finishLogout(w http.ResponseWriter, pl pendingLogout) {
	target := h.issuer + "/session/end/success"
	if pl.Target != "" {
		loc, _ := url.Parse(pl.Target) // registered URIs are validated absolute URIs
		if pl.State != "" {
			q := loc.Query()
			q.Set("state", pl.State)
			loc.RawQuery = q.Encode()
		}
		target = loc.String()
	}
	hd := w.Header()
	hd.Set("Location", target)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}

// sessionOf returns the browser's live session whatever the state of its
// user (a suspended user may still sign out), or nil.
func (h *Handler) sessionOf(ctx context.Context, r *http.Request) (*store.Session, error) {
	sid := h.cookies.Get(r, cookie.Session)
	if sid == "" {
		return nil, nil
	}
	s, err := h.store.GetSession(ctx, sid, h.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return s, err
}

type hintClaims struct {
	aud, sub, sid string
}

// parseHint verifies an id_token_hint with our keys (any status, and
// expired tokens allowed: RP-Initiated Logout §2) and returns its client,
// subject and sid.
func (h *Handler) parseHint(hint string) (*hintClaims, error) {
	bad := oauth.InvalidRequest("id_token_hint is invalid")
	payload, err := h.keys.Verify(hint)
	if err != nil {
		return nil, bad
	}
	var c struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Sid string          `json:"sid"`
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Iss != h.issuer {
		return nil, bad
	}
	out := &hintClaims{sub: c.Sub, sid: c.Sid}
	var auds []string
	if json.Unmarshal(c.Aud, &out.aud) == nil && out.aud != "" {
		return out, nil
	}
	if json.Unmarshal(c.Aud, &auds) == nil && len(auds) == 1 {
		out.aud = auds[0]
		return out, nil
	}
	return nil, bad
}
