package experience

import (
	"context"
	"net"
	"net/http"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/store"
)

// maxCodeLen bounds TOTP and backup codes (real ones have 6 and 10
// characters; spaces and dashes are forgiven).
const maxCodeLen = 64

// mountAuthenticators registers the MFA and social sign-in routes.
func (h *Handler) mountAuthenticators(api func(pattern string, fn http.HandlerFunc)) {
	api("POST /api/experience/verification/totp/secret", h.handleTOTPSecret)
	api("POST /api/experience/verification/totp/verify", h.handleTOTPVerify)
	api("POST /api/experience/verification/backup-code/generate", h.handleBackupCodeGenerate)
	api("POST /api/experience/verification/backup-code/verify", h.handleBackupCodeVerify)
	api("POST /api/experience/verification/web-authn/registration", h.handleWebAuthnRegistration)
	api("POST /api/experience/verification/web-authn/registration/verify", h.handleWebAuthnRegistrationVerify)
	api("POST /api/experience/verification/web-authn/authentication", h.handleWebAuthnAuthentication)
	api("POST /api/experience/verification/web-authn/authentication/verify", h.handleWebAuthnAuthenticationVerify)
	api("POST /api/experience/profile/mfa", h.handleBindMFA)
	api("POST /api/experience/profile/mfa/mfa-skipped", h.handleSkipMFA)
	api("POST /api/experience/verification/social/{connectorId}/authorization-uri", h.handleSocialAuthorizationURI)
	api("POST /api/experience/verification/social/{connectorId}/verify", h.handleSocialVerify)
}

// emptyBody is the body of bodiless calls: nothing, or {}.
type emptyBody struct{}

type bindMFABody struct {
	Type           string `json:"type"`
	VerificationID string `json:"verificationId"`
}

// handleBindMFA is POST /api/experience/profile/mfa: bind a verified
// factor (created at submit). 204.
func (h *Handler) handleBindMFA(w http.ResponseWriter, r *http.Request) {
	var b bindMFABody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	switch b.Type {
	case store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode:
	case "EmailVerificationCode", "PhoneVerificationCode":
		// Logto's MfaFactor values that need no binding step here.
		h.fail(w, r, interaction.ErrMFAFactorNotEnabled)
		return
	default:
		h.fail(w, r, httpapi.InvalidInput(`type must be "Totp", "WebAuthn" or "BackupCode".`))
		return
	}
	if b.VerificationID == "" || len(b.VerificationID) > maxIDLen {
		h.fail(w, r, httpapi.InvalidInput("verificationId is required."))
		return
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.BindMFA(ctx, f, b.Type, b.VerificationID)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

// handleSkipMFA is POST /api/experience/profile/mfa/mfa-skipped. 204.
func (h *Handler) handleSkipMFA(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.DecodeJSON(w, r, &emptyBody{}); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.step(r, h.engine.SkipMFA); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

// codeBody is the body of totp/verify and backup-code/verify.
type codeBody struct {
	Code           *string `json:"code"`
	VerificationID *string `json:"verificationId,omitempty"`
}

func (b codeBody) parse(allowID bool) (code, vid string, err error) {
	if b.Code == nil || *b.Code == "" || utf8.RuneCountInString(*b.Code) > maxCodeLen {
		return "", "", httpapi.InvalidInput("code is required (at most 64 characters).")
	}
	if b.VerificationID != nil {
		if !allowID {
			return "", "", httpapi.InvalidInput(`The request body is invalid: unknown field "verificationId".`)
		}
		if *b.VerificationID == "" || len(*b.VerificationID) > maxIDLen {
			return "", "", httpapi.InvalidInput("verificationId is invalid.")
		}
		vid = *b.VerificationID
	}
	return *b.Code, vid, nil
}

// mfaLimitKeys are the limiter keys of a code guess against the identified
// user's factors: one per user, one per client address. Six digits with a
// ±1 step window fall to brute force without a limit.
func (h *Handler) mfaLimitKeys(r *http.Request) []string {
	if h.limiter == nil {
		return nil
	}
	var keys []string
	if rec, err := h.load(r); err == nil {
		if f, err := interaction.Load(rec); err == nil && f.UserID != "" {
			keys = append(keys, "mfa:user:"+f.UserID)
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		keys = append(keys, "mfa:ip:"+host)
	}
	return keys
}

// verifyCode runs a limited code check: a wrong code counts as a failure,
// a right one clears the counters.
func (h *Handler) verifyCode(w http.ResponseWriter, r *http.Request, wrong error, fn func(ctx context.Context, f *interaction.Flow) (string, error)) {
	keys := h.mfaLimitKeys(r)
	if err := h.checkLimit(w, r, keys); err != nil {
		h.fail(w, r, err)
		return
	}
	var vid string
	_, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		vid, err = fn(ctx, f)
		return err
	})
	switch {
	case err == nil:
		h.recordAttempt(r.Context(), keys, true)
	case errorIs(err, wrong):
		h.recordAttempt(r.Context(), keys, false)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: vid})
}
