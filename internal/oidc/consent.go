package oidc

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/consent"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The consent step (seed 001). First-party apps get consent implicitly, as
// Logto's koaAutoConsent grants it, so they never see it. A third-party app
// goes through it after sign-in whenever the request asks for something
// the user's grant does not cover yet, or sends prompt=consent. The OP
// keeps the interaction (now with its result) and sends the browser to the
// hosted /consent page, which talks to GET/POST /api/interaction/consent;
// Authorize stores the grant and sends the browser back to
// ${issuer}/auth/{uid}, which issues the code. Until then the client's
// redirect_uri never sees a code.

// consentNeeded reports whether the request must go through the consent
// page before a code is issued for userID.
func (h *Handler) consentNeeded(ctx context.Context, ar *store.AuthRequest, app *store.Application, userID string) (bool, error) {
	if !consent.Required(app) || ar.ConsentGiven {
		return false, nil
	}
	if hasPrompt(ar, promptConsent) {
		return true, nil
	}
	m, err := h.consent.Missing(ctx, consentRequest(ar, userID))
	if err != nil {
		return false, err
	}
	return !m.Empty(), nil
}

func consentRequest(ar *store.AuthRequest, userID string) consent.Request {
	return consent.Request{UserID: userID, ClientID: ar.ClientID, Scopes: ar.Scopes, Resources: ar.Resources}
}

func hasPrompt(ar *store.AuthRequest, p string) bool {
	for _, v := range ar.Prompt {
		if v == p {
			return true
		}
	}
	return false
}

// startConsent is the SSO path: the browser is signed in but the
// third-party app needs consent. An interaction carrying the session's
// authentication as its result takes the request to the consent page;
// resuming it reuses the session (see handleResume).
func (h *Handler) startConsent(w http.ResponseWriter, r *http.Request, ac *authContext, sess *store.Session) {
	now := h.now()
	it := &store.Interaction{
		ID: id.NewToken(), Request: ac.req,
		Result:    &store.InteractionResult{UserID: sess.UserID, AuthTime: sess.AuthTime, AMR: sess.AMR},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(InteractionTTL),
	}
	if err := h.store.CreateInteraction(r.Context(), it); err != nil {
		h.redirectError(w, r, &ac.req, err)
		return
	}
	h.cookies.Set(w, cookie.Interaction, it.ID, InteractionTTL)
	h.toConsentPage(w, &ac.req)
}

// toConsentPage redirects to the hosted consent page.
func (h *Handler) toConsentPage(w http.ResponseWriter, ar *store.AuthRequest) {
	u := h.endpoint + "/consent"
	if ar.UILocales != "" {
		u += "?" + url.Values{"ui_locales": {ar.UILocales}}.Encode()
	}
	hd := w.Header()
	hd.Set("Location", u)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}
