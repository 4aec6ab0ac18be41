package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

type backupCodesResponse struct {
	VerificationID string   `json:"verificationId"`
	Codes          []string `json:"codes"`
}

// handleBackupCodeGenerate is POST
// /api/experience/verification/backup-code/generate: ten new codes, shown
// once; bind them with profile/mfa {type: "BackupCode"}.
func (h *Handler) handleBackupCodeGenerate(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.DecodeJSON(w, r, &emptyBody{}); err != nil {
		h.fail(w, r, err)
		return
	}
	var out backupCodesResponse
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		out.VerificationID, out.Codes, err = h.engine.GenerateBackupCodes(ctx, f)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// handleBackupCodeVerify is POST .../backup-code/verify {code}: spend a
// backup code as the MFA proof of a sign-in.
func (h *Handler) handleBackupCodeVerify(w http.ResponseWriter, r *http.Request) {
	var b codeBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	code, _, err := b.parse(false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.verifyCode(w, r, interaction.ErrInvalidBackupCode, func(ctx context.Context, f *interaction.Flow) (string, error) {
		return h.engine.VerifyBackupCode(ctx, f, code)
	})
}
