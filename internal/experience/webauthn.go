package experience

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

type webAuthnRegistrationResponse struct {
	VerificationID      string          `json:"verificationId"`
	RegistrationOptions json.RawMessage `json:"registrationOptions"`
}

type webAuthnAuthenticationResponse struct {
	VerificationID        string          `json:"verificationId"`
	AuthenticationOptions json.RawMessage `json:"authenticationOptions"`
}

// webAuthnVerifyBody is {verificationId, payload}: payload is the
// PublicKeyCredential as JSON (Logto sets its type to "WebAuthn").
type webAuthnVerifyBody struct {
	VerificationID string          `json:"verificationId"`
	Payload        json.RawMessage `json:"payload"`
}

func (b webAuthnVerifyBody) validate() error {
	if b.VerificationID == "" || len(b.VerificationID) > maxIDLen {
		return httpapi.InvalidInput("verificationId is required.")
	}
	if p := bytes.TrimSpace(b.Payload); len(p) == 0 || p[0] != '{' {
		return httpapi.InvalidInput("payload must be the credential as a JSON object.")
	}
	return nil
}

// handleWebAuthnRegistration is POST .../web-authn/registration: options
// for navigator.credentials.create.
func (h *Handler) handleWebAuthnRegistration(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.DecodeJSON(w, r, &emptyBody{}); err != nil {
		h.fail(w, r, err)
		return
	}
	var out webAuthnRegistrationResponse
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		out.VerificationID, out.RegistrationOptions, err = h.engine.WebAuthnRegistration(ctx, f)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// handleWebAuthnRegistrationVerify is POST
// .../web-authn/registration/verify {verificationId, payload}.
func (h *Handler) handleWebAuthnRegistrationVerify(w http.ResponseWriter, r *http.Request) {
	var b webAuthnVerifyBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := b.validate(); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.VerifyWebAuthnRegistration(ctx, f, b.VerificationID, b.Payload)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: b.VerificationID})
}

// handleWebAuthnAuthentication is POST .../web-authn/authentication:
// options for navigator.credentials.get with the user's credentials.
func (h *Handler) handleWebAuthnAuthentication(w http.ResponseWriter, r *http.Request) {
	if err := httpapi.DecodeJSON(w, r, &emptyBody{}); err != nil {
		h.fail(w, r, err)
		return
	}
	var out webAuthnAuthenticationResponse
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		out.VerificationID, out.AuthenticationOptions, err = h.engine.WebAuthnAuthentication(ctx, f)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// handleWebAuthnAuthenticationVerify is POST
// .../web-authn/authentication/verify {verificationId, payload}.
func (h *Handler) handleWebAuthnAuthenticationVerify(w http.ResponseWriter, r *http.Request) {
	var b webAuthnVerifyBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := b.validate(); err != nil {
		h.fail(w, r, err)
		return
	}
	keys := h.mfaLimitKeys(r)
	if err := h.checkLimit(w, r, keys); err != nil {
		h.fail(w, r, err)
		return
	}
	_, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.VerifyWebAuthnAuthentication(ctx, f, b.VerificationID, b.Payload)
	})
	switch {
	case err == nil:
		h.recordAttempt(r.Context(), keys, true)
	case errorIs(err, interaction.ErrWebAuthnFailed):
		h.recordAttempt(r.Context(), keys, false)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: b.VerificationID})
}
