package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

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
	authTime := it.Result.AuthTime
	if authTime.IsZero() {
		authTime = now
	}
	sess, reused, err := h.resumeSession(ctx, r, user.ID, authTime, it.Result.AMR, now)
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	need, err := h.consentNeeded(ctx, &ac.req, app, user.ID)
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	oldSession := h.cookies.Get(r, cookie.Session)
	// The session is created (and the browser's previous one, if another,
	// ended) in the transaction that issues the code, or before the
	// consent page when consent comes first.
	createSession := func(tx store.Store) error {
		if reused {
			return nil
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		// The sign-in is complete: record it with the session it made, in
		// the same transaction (one commit, not one more). A reused
		// session signed nobody in anew.
		if _, err := tx.UpdateUser(ctx, user.ID, func(u *store.User) error {
			u.LastSignInAt = now
			return nil
		}); err != nil {
			return err
		}
		// A new sign-in replaces whatever session this browser had.
		if oldSession != "" {
			if err := tx.DeleteSession(ctx, oldSession); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	}
	if need {
		// Keep the interaction (and its cookie) for the consent page; the
		// user is signed in from now on, whatever they decide there.
		if err := h.store.InTx(ctx, createSession); err != nil {
			h.redirectError(w, r, &ac.req, err)
			return
		}
		if !reused {
			h.cookies.Set(w, cookie.Session, sess.ID, h.ttl)
		}
		h.toConsentPage(w, &ac.req)
		return
	}
	if !reused {
		// The new session is stored already holding the app the code is
		// for, which spares issueCode's read and update of the row.
		sess.ClientIDs = append(sess.ClientIDs, ac.app.ID)
	}
	before := func(tx store.Store) error {
		if err := createSession(tx); err != nil {
			return err
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
	if !reused {
		h.cookies.Set(w, cookie.Session, sess.ID, h.ttl)
	}
	h.cookies.Clear(w, cookie.Interaction)
	h.issueCode(w, r, ac, sess, before)
}

// resumeSession returns the session a finished interaction signs in to. If
// the browser already has a live session of the same user with the same
// authentication time, the interaction carried that session's
// authentication (the consent step of an SSO request) and the session is
// reused, keeping its sid and the apps it serves; otherwise a new session
// is made (not yet stored).
func (h *Handler) resumeSession(ctx context.Context, r *http.Request, userID string, authTime time.Time, amr []string, now time.Time) (*store.Session, bool, error) {
	if cur, err := h.currentSession(ctx, r); err != nil {
		return nil, false, err
	} else if cur != nil && cur.UserID == userID && cur.AuthTime.UnixMilli() == authTime.UnixMilli() {
		return cur, true, nil
	}
	return &store.Session{ID: id.NewToken(), UserID: userID, AuthTime: authTime, AMR: amr,
		CreatedAt: now, ExpiresAt: now.Add(h.ttl)}, false, nil
}
