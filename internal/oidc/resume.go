package oidc

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// handleResume is where the browser returns after the Experience API's
// submit (GET /oidc/auth/{uid}). The interaction cookie must name the same
// interaction as the URL, so a leaked resume URL is useless in another
// browser. Without a result the user has not finished signing in and goes
// back to the sign-in page.
func (h *Handler) handleResume(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid := r.PathValue("uid")
	if c := h.cookies.Get(r, cookie.Interaction); c == "" || subtle.ConstantTimeCompare([]byte(c), []byte(uid)) != 1 {
		h.errorPage(w, r, oauth.InvalidRequest("the sign-in session was not found or has expired; start again from the application"))
		return
	}
	now := h.now()
	it, err := h.store.GetInteraction(ctx, uid, now)
	if errors.Is(err, store.ErrNotFound) {
		h.cookies.Clear(w, cookie.Interaction)
		h.errorPage(w, r, oauth.InvalidRequest("the sign-in session was not found or has expired; start again from the application"))
		return
	}
	if err != nil {
		h.errorPage(w, r, err)
		return
	}
	if it.Result == nil || it.Result.UserID == "" {
		hd := w.Header()
		hd.Set("Location", h.signInURL(&it.Request))
		hd.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusFound)
		return
	}
	app, err := h.store.GetApplication(ctx, it.Request.ClientID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = oauth.InvalidClient("client not found")
		}
		h.errorPage(w, r, err)
		return
	}
	ac := &authContext{app: app, req: it.Request}
	user, err := h.store.GetUser(ctx, it.Result.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && user.IsSuspended {
		h.redirectError(w, r, &ac.req, oauth.AccessDenied("the account is not available"))
		return
	}
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	if needsConsent(app) {
		h.consent(w, r, ac)
		return
	}
	authTime := it.Result.AuthTime
	if authTime.IsZero() {
		authTime = now
	}
	sess := &store.Session{ID: id.NewToken(), UserID: user.ID, AuthTime: authTime, AMR: it.Result.AMR,
		CreatedAt: now, ExpiresAt: now.Add(h.ttl)}
	oldSession := h.cookies.Get(r, cookie.Session)
	before := func(tx store.Store) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		// A new sign-in replaces whatever session this browser had.
		if oldSession != "" {
			if err := tx.DeleteSession(ctx, oldSession); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if err := tx.DeleteInteraction(ctx, it.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	}
	// Cookies are headers: set them before issueCode writes the response.
	// If the transaction fails the client gets an error redirect, and the
	// session cookie names a session that does not exist, which reads as
	// signed out.
	h.cookies.Set(w, cookie.Session, sess.ID, h.ttl)
	h.cookies.Clear(w, cookie.Interaction)
	h.issueCode(w, r, ac, sess, before)
}
