package interaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/store"
)

// webAuthnAMR maps where the authenticator lives to RFC 8176: a roaming
// security key is a hardware key ("hwk"); a platform or synced passkey is
// treated as a software-secured key ("swk").
func webAuthnAMR(attachment string) string {
	if attachment == "cross-platform" {
		return "hwk"
	}
	return "swk"
}

// WebAuthnRegistration starts registering a passkey or security key for
// the identified user (POST .../web-authn/registration) and returns the
// record ID and the creation options for navigator.credentials.create.
func (e *Engine) WebAuthnRegistration(ctx context.Context, f *Flow) (string, json.RawMessage, error) {
	acct, err := e.webAuthnAccount(ctx, f)
	if err != nil {
		return "", nil, err
	}
	options, ceremony, err := e.auth.WebAuthn.BeginRegistration(acct)
	if err != nil {
		return "", nil, err
	}
	r := Record{ID: id.New(), Type: RecordWebAuthn, UserID: f.UserID, MFA: &MFARecord{Bind: true, Ceremony: ceremony}}
	f.setRecord(r)
	return r.ID, options, nil
}

// VerifyWebAuthnRegistration checks the authenticator's answer (POST
// .../web-authn/registration/verify); the new credential waits in the
// record for BindMFA.
func (e *Engine) VerifyWebAuthnRegistration(ctx context.Context, f *Flow, verificationID string, payload json.RawMessage) error {
	acct, err := e.webAuthnAccount(ctx, f)
	if err != nil {
		return err
	}
	r, err := f.mfaRecord(verificationID, RecordWebAuthn)
	if err != nil {
		return err
	}
	if !r.MFA.Bind || len(r.MFA.Ceremony) == 0 {
		return ErrPendingInfoNotFound
	}
	cred, err := e.auth.WebAuthn.FinishRegistration(acct, r.MFA.Ceremony, payload)
	if err != nil {
		return webAuthnError(err)
	}
	r.Verified, r.MFA.Ceremony, r.MFA.Credential, r.MFA.AMR = true, nil, cred, webAuthnAMR(cred.Attachment)
	return nil
}

// WebAuthnAuthentication starts an MFA verification with one of the
// user's credentials (POST .../web-authn/authentication) and returns the
// request options for navigator.credentials.get.
func (e *Engine) WebAuthnAuthentication(ctx context.Context, f *Flow) (string, json.RawMessage, error) {
	acct, err := e.webAuthnAccount(ctx, f)
	if err != nil {
		return "", nil, err
	}
	options, ceremony, err := e.auth.WebAuthn.BeginLogin(acct)
	if err != nil {
		return "", nil, webAuthnError(err)
	}
	r := Record{ID: id.New(), Type: RecordWebAuthn, UserID: f.UserID, MFA: &MFARecord{Ceremony: ceremony}}
	f.setRecord(r)
	return r.ID, options, nil
}

// VerifyWebAuthnAuthentication checks an assertion (POST
// .../web-authn/authentication/verify) and stores the credential's new
// signature counter.
func (e *Engine) VerifyWebAuthnAuthentication(ctx context.Context, f *Flow, verificationID string, payload json.RawMessage) error {
	acct, err := e.webAuthnAccount(ctx, f)
	if err != nil {
		return err
	}
	r, err := f.mfaRecord(verificationID, RecordWebAuthn)
	if err != nil {
		return err
	}
	if r.MFA.Bind || len(r.MFA.Ceremony) == 0 {
		return ErrPendingInfoNotFound
	}
	cred, err := e.auth.WebAuthn.FinishLogin(acct, r.MFA.Ceremony, payload)
	if err != nil {
		return webAuthnError(err)
	}
	switch err := e.auth.Store.UpdateWebAuthnSignCount(ctx, cred.FactorID, cred.SignCount, e.now()); {
	case errors.Is(err, store.ErrNotFound):
		return ErrWebAuthnFailed // removed meanwhile
	case err != nil:
		return fmt.Errorf("update webauthn sign count: %w", err)
	}
	r.Verified, r.MFA.Ceremony, r.MFA.AMR = true, nil, webAuthnAMR(cred.Attachment)
	return nil
}

// webAuthnAccount checks the preconditions every WebAuthn step shares and
// returns the identified user with their credentials.
func (e *Engine) webAuthnAccount(ctx context.Context, f *Flow) (mfa.Account, error) {
	if err := f.identified(); err != nil {
		return mfa.Account{}, err
	}
	if _, err := e.requireFactor(ctx, store.FactorWebAuthn); err != nil {
		return mfa.Account{}, err
	}
	u, err := e.users.Get(ctx, f.UserID)
	if err != nil {
		return mfa.Account{}, err
	}
	return e.account(ctx, u)
}

// webAuthnError hides why a ceremony failed (the log has it) behind
// Logto's one code.
func webAuthnError(err error) error {
	if errors.Is(err, mfa.ErrWebAuthn) {
		return &wrapped{public: ErrWebAuthnFailed, cause: err}
	}
	return err
}

// wrapped is a public *Error that keeps its cause for the log.
type wrapped struct {
	public *Error
	cause  error
}

func (w *wrapped) Error() string        { return w.public.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error      { return []error{w.public, w.cause} }
func (w *wrapped) ErrorCode() string    { return w.public.Code }
func (w *wrapped) ErrorMessage() string { return w.public.Message }
