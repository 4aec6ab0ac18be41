package experience

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/user"
)

type verificationResponse struct {
	VerificationID string `json:"verificationId"`
}

// handleVerifyPassword is POST /api/experience/verification/password:
// check identifier + password, answer {verificationId}. Wrong credentials
// are one generic 422 session.invalid_credentials.
func (h *Handler) handleVerifyPassword(w http.ResponseWriter, r *http.Request) {
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
	keys := passwordKeys(r, ident.Type, ident.Value)
	if err := h.checkLimit(w, r, keys); err != nil {
		h.fail(w, r, err)
		return
	}
	var vid string
	_, err = h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		vid, err = h.engine.VerifyPassword(ctx, f, ident, pw)
		return err
	})
	switch {
	case errors.Is(err, user.ErrInvalidCredentials):
		h.recordAttempt(r.Context(), keys, false)
	case err == nil:
		h.recordAttempt(r.Context(), keys, true)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: vid})
}
