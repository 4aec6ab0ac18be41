package interaction

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/store"
)

// GenerateBackupCodes makes ten backup codes for the identified user (POST
// /api/experience/verification/backup-code/generate). Only their hashes
// are kept; the codes are shown this once. They are bound with BindMFA.
func (e *Engine) GenerateBackupCodes(ctx context.Context, f *Flow) (verificationID string, codes []string, err error) {
	if err := f.identified(); err != nil {
		return "", nil, err
	}
	if _, err := e.requireFactor(ctx, store.FactorBackupCode); err != nil {
		return "", nil, err
	}
	codes = mfa.NewBackupCodes()
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = e.auth.BackupCodes.Hash(f.UserID, c)
	}
	r := Record{ID: id.New(), Type: RecordBackupCode, UserID: f.UserID, MFA: &MFARecord{Bind: true, BackupCodeHashes: hashes}}
	f.setRecord(r)
	return r.ID, codes, nil
}

// VerifyBackupCode spends one of the user's backup codes as an MFA proof
// (POST .../backup-code/verify). Each code works once, even under
// concurrent requests: the store marks it used atomically.
func (e *Engine) VerifyBackupCode(ctx context.Context, f *Flow, code string) (string, error) {
	if err := f.identified(); err != nil {
		return "", err
	}
	if _, err := e.requireFactor(ctx, store.FactorBackupCode); err != nil {
		return "", err
	}
	h := e.auth.BackupCodes.Hash(f.UserID, code)
	switch err := e.auth.Store.UseBackupCode(ctx, f.UserID, h, e.now()); {
	case errors.Is(err, store.ErrNotFound):
		return "", ErrInvalidBackupCode
	case err != nil:
		return "", fmt.Errorf("use backup code: %w", err)
	}
	// RFC 8176 has no value for recovery codes; a backup code is a
	// one-time password.
	r := Record{ID: id.New(), Type: RecordBackupCode, UserID: f.UserID, Verified: true, MFA: &MFARecord{AMR: "otp"}}
	f.setRecord(r)
	return r.ID, nil
}
