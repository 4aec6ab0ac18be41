package interaction

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/user"
)

// Identify binds the interaction to a user. For SignIn it uses the given
// verification record (required). For Register it creates the user from
// the staged profile, first merging the record when one is given, and
// reports created=true (Logto answers 201 then).
func (e *Engine) Identify(ctx context.Context, f *Flow, verificationID string) (created bool, err error) {
	if err := f.started(); err != nil {
		return false, err
	}
	if f.Event == EventRegister {
		return true, e.createUser(ctx, f, verificationID)
	}
	if verificationID == "" {
		return false, invalidInput("verificationId is missing.")
	}
	r, err := f.record(verificationID)
	if err != nil {
		return false, err
	}
	if r.Type == RecordSocial {
		if _, err := f.socialRecord(verificationID); err != nil {
			return false, err
		}
		return false, e.identifySocial(ctx, f, r, false)
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return false, err
	}
	if !s.allows(f.Event) {
		return false, ErrEventForbidden
	}
	if r.Type.isCode() {
		return false, e.identifyByCode(ctx, f, r, s)
	}
	if f.Event == EventForgotPassword {
		// Only a verification code proves the right to reset a password.
		return false, ErrForgotPasswordSwitch
	}
	if r.Type != RecordPassword || !s.passwordSignInEnabled(r.Identifier.Type) {
		return false, ErrSignInMethodDisabled
	}
	if !r.Verified || r.UserID == "" {
		return false, ErrVerificationFailed
	}
	u, err := e.users.Get(ctx, r.UserID)
	if err != nil {
		return false, err
	}
	if u.IsSuspended {
		return false, user.ErrSuspended
	}
	if f.UserID != "" && f.UserID != u.ID {
		return false, ErrIdentityConflict
	}
	f.UserID = u.ID
	f.AMR = []string{"pwd"}
	return false, nil
}

// IdentifyReadsOnly reports whether Identify(ctx, f, verificationID) only
// reads the store: a SignIn with a password verification record (or an
// error answered before any I/O). Register creates a user, social and code
// records may link or update one.
func (e *Engine) IdentifyReadsOnly(f *Flow, verificationID string) bool {
	if f.Event != EventSignIn || verificationID == "" {
		return f.Event != EventRegister
	}
	r, err := f.record(verificationID)
	return err != nil || r.Type == RecordPassword
}

// createUser registers the account described by the staged profile.
func (e *Engine) createUser(ctx context.Context, f *Flow, verificationID string) error {
	if verificationID != "" {
		r, err := f.record(verificationID)
		if err != nil {
			return err
		}
		if r.Type == RecordSocial {
			return e.registerSocial(ctx, f, r)
		}
		if r.Type.isCode() {
			return e.registerWithCode(ctx, f, r)
		}
		if r.Type != RecordNewPasswordIdentity || !r.Verified {
			return ErrVerificationFailed
		}
		if err := e.users.CheckAvailable(ctx, r.Identifier.Value, ""); err != nil {
			return err
		}
		f.Profile.Username, f.Profile.PasswordHash = r.Identifier.Value, r.PasswordHash
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if !s.allows(EventRegister) {
		return ErrEventForbidden
	}
	if missing := missingFields(s, f.Profile, nil); len(missing) > 0 {
		return missingProfile(missing)
	}
	u, err := e.users.Create(ctx, user.NewUser{
		Username:     f.Profile.Username,
		Email:        f.Profile.PrimaryEmail,
		Phone:        f.Profile.PrimaryPhone,
		PasswordHash: f.Profile.PasswordHash,
	})
	if err != nil {
		return err
	}
	f.UserID = u.ID
	if u.PasswordHash != "" {
		// The user just chose this password; no other factor exists yet.
		f.AMR = []string{"pwd"}
	}
	f.Profile = Profile{}
	return nil
}
