package oidc

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// needsConsent is the consent hook (seed 001). First-party apps get
// consent implicitly, as Logto's koaAutoConsent grants it, so they never see
// a consent step. Third-party apps must: until the consent screen and
// Logto's /api/interaction/consent exist, they are stopped here and never
// receive a code.
func needsConsent(app *store.Application) bool { return app.IsThirdParty }

// consent is where the consent step will start: store the pending grant on
// an interaction and send the browser to ${endpoint}/consent. For now it
// refuses with a page rather than grant anything unasked.
func (h *Handler) consent(w http.ResponseWriter, r *http.Request, ac *authContext) {
	h.log.InfoContext(r.Context(), "consent required but not implemented", "client_id", ac.app.ID)
	h.errorPage(w, r, oauth.ConsentRequired("third-party applications need a consent step that is not available yet"))
}
