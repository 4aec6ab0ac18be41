package interaction

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TOTPSecret is a new TOTP key for the user to add to an authenticator app.
type TOTPSecret struct {
	VerificationID string
	Secret         string
	// QRCode is the key URI as a PNG data URL (Logto's secretQrCode).
	QRCode string
}

// totpSealContext binds a sealed TOTP key to its user.
func totpSealContext(userID string) string { return "totp:" + userID }

// CreateTOTPSecret generates a TOTP key for the identified user (POST
// /api/experience/verification/totp/secret). The key is kept sealed in a
// binding record until a code proves the user's app has it.
func (e *Engine) CreateTOTPSecret(ctx context.Context, f *Flow) (*TOTPSecret, error) {
	if err := f.identified(); err != nil {
		return nil, err
	}
	if _, err := e.requireFactor(ctx, store.FactorTOTP); err != nil {
		return nil, err
	}
	u, err := e.users.Get(ctx, f.UserID)
	if err != nil {
		return nil, err
	}
	key, err := mfa.NewTOTPKey(e.auth.TOTPIssuer, displayName(u))
	if err != nil {
		return nil, err
	}
	qr, err := key.QRCodeDataURL()
	if err != nil {
		return nil, err
	}
	r := Record{ID: id.New(), Type: RecordTOTP, UserID: f.UserID,
		MFA: &MFARecord{Bind: true, SealedSecret: e.auth.Box.Seal(totpSealContext(f.UserID), []byte(key.Secret))}}
	f.setRecord(r)
	return &TOTPSecret{VerificationID: r.ID, Secret: key.Secret, QRCode: qr}, nil
}

// VerifyTOTP checks a TOTP code (POST .../totp/verify). With a
// verification ID it proves a new key from CreateTOTPSecret; without, it
// verifies the user's bound key for sign-in, where a code (its time step)
// is accepted once. It returns the record's ID.
func (e *Engine) VerifyTOTP(ctx context.Context, f *Flow, code, verificationID string) (string, error) {
	if err := f.identified(); err != nil {
		return "", err
	}
	if _, err := e.requireFactor(ctx, store.FactorTOTP); err != nil {
		return "", err
	}
	now := e.now()
	if verificationID != "" {
		r, err := f.mfaRecord(verificationID, RecordTOTP)
		if err != nil {
			return "", err
		}
		if !r.MFA.Bind || len(r.MFA.SealedSecret) == 0 {
			return "", ErrPendingInfoNotFound
		}
		secret, err := e.auth.Box.Open(totpSealContext(f.UserID), r.MFA.SealedSecret)
		if err != nil {
			return "", fmt.Errorf("open new totp key: %w", err)
		}
		step, ok := mfa.ValidateTOTP(string(secret), code, now)
		if !ok {
			return "", ErrInvalidTOTPCode
		}
		r.Verified, r.MFA.TOTPStep, r.MFA.AMR = true, step, "otp"
		return r.ID, nil
	}

	factors, err := e.auth.Store.ListMFAFactors(ctx, f.UserID)
	if err != nil {
		return "", fmt.Errorf("list mfa factors: %w", err)
	}
	var factor *store.MFAFactor
	for i := range factors {
		if factors[i].Type == store.FactorTOTP {
			factor = &factors[i]
		}
	}
	if factor == nil {
		// As Logto: the same answer as a wrong code.
		return "", ErrInvalidTOTPCode
	}
	secret, err := e.auth.Box.Open(totpSealContext(f.UserID), factor.Secret)
	if err != nil {
		return "", fmt.Errorf("open totp key of user %s: %w", f.UserID, err)
	}
	step, ok := mfa.ValidateTOTP(string(secret), code, now)
	if !ok || step <= factor.LastTOTPStep {
		return "", ErrInvalidTOTPCode
	}
	// The conditional update is what makes a code single-use when two
	// requests race with it.
	switch err := e.auth.Store.UseTOTPStep(ctx, factor.ID, step, now); {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return "", ErrInvalidTOTPCode
	case err != nil:
		return "", fmt.Errorf("use totp step: %w", err)
	}
	r := Record{ID: id.New(), Type: RecordTOTP, UserID: f.UserID, Verified: true, MFA: &MFARecord{AMR: "otp"}}
	f.setRecord(r)
	return r.ID, nil
}
