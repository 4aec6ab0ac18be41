package interaction

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Password reset, Logto's ForgotPassword flow:
//
//	PUT  /api/experience {ForgotPassword}
//	POST /api/experience/verification/verification-code   (e-mail or phone)
//	POST /api/experience/verification/verification-code/verify
//	POST /api/experience/identification {verificationId}
//	PUT  /api/experience/profile/password {password}
//	POST /api/experience/submit           → 200, no redirect
//
// Submit writes the new password and clears the interaction: nobody is
// signed in by a reset, the user signs in afresh with the new password.

// Errors of password reset, with Logto's codes.
var (
	ErrSamePassword        = &Error{Code: "user.same_password", Message: "The new password cannot be the same as the old one."}
	ErrNewPasswordRequired = &Error{Code: "user.new_password_required_in_profile", Message: "You need to set a new password."}
)

// ResetPassword stages the new password of a ForgotPassword interaction
// whose user has been identified by a code. The password must meet the
// policy and differ from the current one.
func (e *Engine) ResetPassword(ctx context.Context, f *Flow, pw string) error {
	if err := f.started(); err != nil {
		return err
	}
	if f.Event != EventForgotPassword {
		return ErrInvalidInteraction
	}
	if f.UserID == "" {
		return ErrIdentifierNotFound
	}
	u, err := e.users.Get(ctx, f.UserID)
	if err != nil {
		return err
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	info := password.UserInfo{Name: u.Name, Username: u.Username, Email: u.PrimaryEmail, Phone: u.PrimaryPhone}
	if err := s.PasswordPolicy.Validate(pw, info); err != nil {
		return err
	}
	if u.PasswordHash != "" {
		if same, err := password.VerifyContext(ctx, pw, u.PasswordHash); err == nil && same {
			return ErrSamePassword
		}
	}
	hash, err := e.hash(ctx, pw)
	if err != nil {
		return err
	}
	f.Profile.PasswordHash = hash
	return nil
}

// submitForgotPassword writes the staged password and resets the flow to
// "not started", leaving no result: the OP does not sign anyone in.
func (e *Engine) submitForgotPassword(ctx context.Context, f *Flow) error {
	if f.UserID == "" {
		return ErrIdentifierNotFound
	}
	if f.Profile.PasswordHash == "" {
		return ErrNewPasswordRequired
	}
	u, err := e.users.Get(ctx, f.UserID)
	if err != nil {
		return err
	}
	if u.IsSuspended {
		return user.ErrSuspended
	}
	if !e.codes.enabled() {
		return ErrIdentifierNotFound
	}
	if _, err := e.codes.Users.ResetPassword(ctx, u.ID, f.Profile.PasswordHash); err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	e.log.InfoContext(ctx, "password reset", "interaction_id", f.ID, "user_id", u.ID)
	*f = Flow{ID: f.ID, rev: f.rev}
	return nil
}
