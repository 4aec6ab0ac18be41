package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

type identificationBody struct {
	VerificationID string `json:"verificationId,omitempty"`
	// LinkSocialIdentity links a verified social identity to the account
	// with the same verified e-mail or phone (SignIn only).
	LinkSocialIdentity bool `json:"linkSocialIdentity,omitempty"`
}

// handleIdentification is POST /api/experience/identification: identify
// the user from a verification record (SignIn, 204) or create the user
// from the staged profile (Register, 201).
func (h *Handler) handleIdentification(w http.ResponseWriter, r *http.Request) {
	var b identificationBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if len(b.VerificationID) > maxIDLen {
		h.fail(w, r, httpapi.InvalidInput("verificationId is too long."))
		return
	}
	var created bool
	// Signing in with a password record only reads the account; anything
	// else (creating or linking an account) writes, so it takes step.
	readOnly := func(f *interaction.Flow) bool {
		return !b.LinkSocialIdentity && h.engine.IdentifyReadsOnly(f, b.VerificationID)
	}
	if _, err := h.stepInTx(r, readOnly, func(ctx context.Context, f *interaction.Flow) (err error) {
		if b.LinkSocialIdentity {
			return h.engine.IdentifyLinkingSocial(ctx, f, b.VerificationID)
		}
		created, err = h.engine.Identify(ctx, f, b.VerificationID)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	if created {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusCreated)
		return
	}
	httpapi.NoContent(w)
}
