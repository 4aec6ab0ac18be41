package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// handleAuthorize is the authorization endpoint (RFC 6749 §3.1, OIDC Core
// §3.1.2), GET or POST (§3.1.2.1).
func (h *Handler) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := readParams(w, r)
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	ac, err := h.parseAuthRequest(ctx, v)
	if ac == nil {
		h.errorPage(w, r, err)
		return
	}
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	sess, err := h.currentSession(ctx, r)
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	now := h.now()
	signedIn := sess != nil && maxAgeOK(sess, ac.req.MaxAge, now)

	if oauth.Contains(ac.req.Prompt, promptNone) {
		// OIDC Core §3.1.2.6: no UI may be shown.
		if !signedIn {
			h.redirectError(w, r, &ac.req, oauth.LoginRequired("end-user authentication is required"))
			return
		}
		need, err := h.consentNeeded(ctx, &ac.req, ac.app, sess.UserID)
		switch {
		case err != nil:
			h.redirectError(w, r, &ac.req, err)
		case need:
			h.redirectError(w, r, &ac.req, oauth.ConsentRequired("end-user consent is required"))
		default:
			h.issueCode(w, r, ac, sess, nil)
		}
		return
	}
	if !signedIn || oauth.Contains(ac.req.Prompt, promptLogin) {
		h.startInteraction(w, r, ac)
		return
	}
	need, err := h.consentNeeded(ctx, &ac.req, ac.app, sess.UserID)
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	if need {
		h.startConsent(w, r, ac, sess)
		return
	}
	h.issueCode(w, r, ac, sess, nil)
}

// currentSession returns the browser's live session, or nil: no cookie, a
// forged or expired one, or a user who is gone or suspended.
func (h *Handler) currentSession(ctx context.Context, r *http.Request) (*store.Session, error) {
	sid := h.cookies.Get(r, cookie.Session)
	if sid == "" {
		return nil, nil
	}
	s, err := h.store.GetSession(ctx, sid, h.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := h.store.GetUser(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.IsSuspended {
		return nil, nil
	}
	return s, nil
}

// maxAgeOK: OIDC Core §3.1.2.1 — re-authenticate when the last sign-in is
// older than max_age seconds.
func maxAgeOK(s *store.Session, maxAge int, now time.Time) bool {
	return maxAge < 0 || now.Sub(s.AuthTime) <= time.Duration(maxAge)*time.Second
}

// startInteraction stores the request as an interaction, binds it to the
// browser with the interaction cookie and sends the browser to the hosted
// sign-in page. The query stays minimal: the UI reads the rest through the
// Experience API.
func (h *Handler) startInteraction(w http.ResponseWriter, r *http.Request, ac *authContext) {
	now := h.now()
	it := &store.Interaction{
		ID: id.NewToken(), Request: ac.req,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(InteractionTTL),
	}
	if err := h.store.CreateInteraction(r.Context(), it); err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	h.cookies.Set(w, cookie.Interaction, it.ID, InteractionTTL)
	hd := w.Header()
	hd.Set("Location", h.signInURL(&ac.req))
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// signInURL is the hosted page an interaction starts on, mapped from
// first_screen as Logto maps it (logto-reference.md §1.11; single_sign_on
// falls back to /sign-in until enterprise SSO exists), or the
// /direct/<method>/<target> page for direct_sign_in with the first screen as
// its fallback. Like Logto it forwards app_id, ui_locales, login_hint,
// identifier and organization_id to the page; the page may also read them
// through the Experience API.
func (h *Handler) signInURL(ar *store.AuthRequest) string {
	path := "/sign-in"
	switch ar.FirstScreen {
	case "register":
		path = "/register"
	case "reset_password":
		path = "/reset-password"
	case "identifier:sign_in":
		path = "/identifier-sign-in"
	case "identifier:register":
		path = "/identifier-register"
	}
	q := url.Values{"app_id": {ar.ClientID}}
	for k, v := range map[string]string{"ui_locales": ar.UILocales, "login_hint": ar.LoginHint,
		"identifier": ar.Identifier, "organization_id": ar.OrganizationID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if method, target, ok := strings.Cut(ar.DirectSignIn, ":"); ok && method != "" && target != "" {
		q.Set("fallback", strings.TrimPrefix(path, "/"))
		path = "/direct/" + url.PathEscape(method) + "/" + url.PathEscape(target)
	}
	return h.endpoint + path + "?" + q.Encode()
}
