package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// handleNewPasswordIdentity is POST
// /api/experience/verification/new-password-identity: validate a new
// username + password for registration, answer {verificationId}.
func (h *Handler) handleNewPasswordIdentity(w http.ResponseWriter, r *http.Request) {
	var b credentialBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	ident, pw, err := b.parse()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var vid string
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		vid, err = h.engine.NewPasswordIdentity(ctx, f, ident, pw)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: vid})
}
