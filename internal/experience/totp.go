package experience

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

func errorIs(err, target error) bool { return errors.Is(err, target) }

type totpSecretResponse struct {
	VerificationID string `json:"verificationId"`
	Secret         string `json:"secret"`
	SecretQRCode   string `json:"secretQrCode"`
}

// handleTOTPSecret is POST /api/experience/verification/totp/secret: a new
// TOTP key for the identified user, with its QR code as a data URL.
func (h *Handler) handleTOTPSecret(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.DecodeJSON(w, r, &emptyBody{}); err != nil {
		h.fail(w, r, err)
		return
	}
	var out *interaction.TOTPSecret
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		out, err = h.engine.CreateTOTPSecret(ctx, f)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, totpSecretResponse{VerificationID: out.VerificationID, Secret: out.Secret,
		SecretQRCode: out.QRCode})
}

// handleTOTPVerify is POST /api/experience/verification/totp/verify:
// {code, verificationId?}. With the ID it proves a new key; without, it
// verifies the user's TOTP for sign-in.
func (h *Handler) handleTOTPVerify(w http.ResponseWriter, r *http.Request) {
	var b codeBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	code, vid, err := b.parse(true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.verifyCode(w, r, interaction.ErrInvalidTOTPCode, func(ctx context.Context, f *interaction.Flow) (string, error) {
		return h.engine.VerifyTOTP(ctx, f, code, vid)
	})
}
