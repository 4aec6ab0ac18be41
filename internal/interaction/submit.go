package interaction

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Submit finishes a SignIn or Register interaction: the identified user
// must exist, not be suspended and have every mandatory profile field; the
// staged profile is written to the account; Result is set for the OP.
//
// ForgotPassword writes the new password instead and returns a nil result
// with no error: nobody is signed in (forgot_password.go).
func (e *Engine) Submit(ctx context.Context, f *Flow) (*store.InteractionResult, error) {
	if err := f.started(); err != nil {
		return nil, err
	}
	if f.Event == EventForgotPassword {
		return nil, e.submitForgotPassword(ctx, f)
	}
	if f.UserID == "" {
		return nil, ErrIdentifierNotFound
	}
	u, err := e.users.Get(ctx, f.UserID)
	if err != nil {
		return nil, err
	}
	if u.IsSuspended {
		return nil, user.ErrSuspended
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if missing := missingFields(s, f.Profile, u); len(missing) > 0 {
		return nil, missingProfile(missing)
	}
	auth, err := e.prepareAuthenticators(ctx, f, u, s)
	if err != nil {
		return nil, err
	}
	if !f.Profile.empty() {
		if _, err := e.users.CompleteProfile(ctx, u.ID, user.ProfileUpdate{
			Username: f.Profile.Username, Email: f.Profile.PrimaryEmail, Phone: f.Profile.PrimaryPhone,
			PasswordHash: f.Profile.PasswordHash,
		}); err != nil {
			return nil, err
		}
		f.Profile = Profile{}
	}
	if err := e.commitAuthenticators(ctx, f, u, auth); err != nil {
		return nil, err
	}
	f.Result = &store.InteractionResult{UserID: u.ID, AuthTime: e.now().UTC(), AMR: f.AMR}
	return f.Result, nil
}
