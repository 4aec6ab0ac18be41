package oidc

import (
	"github.com/gatehouse/gatehouse/internal/consent"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// newCode makes an authorization code for sess: 256 random bits, stored by
// SHA-256 hash, bound to client, redirect URI and PKCE challenge, 60 s.
// Each code starts a grant (GrantID) that its tokens share, so a replay
// can revoke them together.
func newCode(ar *store.AuthRequest, sess *store.Session, now time.Time) (string, *store.AuthorizationCode) {
	plain, hash := token.NewOpaque()
	return plain, &store.AuthorizationCode{
		Hash: hash, ClientID: ar.ClientID, UserID: sess.UserID, SessionID: sess.ID, GrantID: id.New(),
		RedirectURI: ar.RedirectURI, CodeChallenge: ar.CodeChallenge, CodeChallengeMethod: ar.CodeChallengeMethod,
		Scopes: grantedScopes(ar), Resources: ar.Resources, Nonce: ar.Nonce,
		AuthTime: sess.AuthTime, AMR: sess.AMR, CreatedAt: now, ExpiresAt: now.Add(token.CodeTTL),
	}
}

// grantedScopes keeps offline_access only when prompt included consent, as
// oidc-provider does (OIDC Core §11: offline access needs consent) and
// Logto's SDKs rely on.
func grantedScopes(ar *store.AuthRequest) []string {
	if oauth.Contains(ar.Prompt, promptConsent) || ar.ConsentGiven || !oauth.Contains(ar.Scopes, token.ScopeOfflineAccess) {
		return ar.Scopes
	}
	out := make([]string, 0, len(ar.Scopes))
	for _, s := range ar.Scopes {
		if s != token.ScopeOfflineAccess {
			out = append(out, s)
		}
	}
	return out
}

// issueCode stores a code for sess and redirects to the client. before, if
// set, runs in the same transaction first (the resume step creates the
// session and deletes the interaction there).
func (h *Handler) issueCode(w http.ResponseWriter, r *http.Request, ac *authContext, sess *store.Session, before func(tx store.Store) error) {
	ctx := r.Context()
	plain, code := newCode(&ac.req, sess, h.now())
	if consent.Required(ac.app) {
		// A third-party app gets only what the user granted it.
		g, err := h.consent.Get(ctx, sess.UserID, ac.app.ID)
		if err != nil {
			h.redirectError(w, r, &ac.req, err)
			return
		}
		code.Scopes = consent.Filter(g, code.Scopes, code.Resources)
	}
	err := h.store.InTx(ctx, func(tx store.Store) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		if err := tx.CreateAuthorizationCode(ctx, code); err != nil {
			return err
		}
		// The session remembers which apps got tokens, for back-channel
		// logout. Client IDs are only ever added, so one the session
		// already lists needs no write.
		if slices.Contains(sess.ClientIDs, ac.app.ID) {
			return nil
		}
		return tx.AddSessionClient(ctx, sess.ID, ac.app.ID)
	})
	if err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	h.respond(w, r, &ac.req, url.Values{"code": {plain}})
}
