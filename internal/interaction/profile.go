package interaction

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Profile field types accepted by SetProfile (Logto's profile payload).
const (
	ProfileUsername     = "username"
	ProfilePassword     = "password"
	ProfileEmail        = "email"
	ProfilePhone        = "phone"
	ProfileSocial       = "social"
	ProfileExtraProfile = "extraProfile"
)

// ProfileInput is one POST /api/experience/profile body.
type ProfileInput struct {
	Type           string
	Value          string
	VerificationID string
}

// SetProfile stages a profile field. During SignIn the user must already be
// identified (the field completes their account at submit); during
// Register nothing is written until identification. During ForgotPassword
// only a new password may be set (as PUT /profile/password does).
func (e *Engine) SetProfile(ctx context.Context, f *Flow, in ProfileInput) error {
	if err := f.started(); err != nil {
		return err
	}
	if f.Event == EventForgotPassword {
		if in.Type == ProfilePassword {
			return e.ResetPassword(ctx, f, in.Value)
		}
		return ErrForgotPasswordSwitch
	}
	var current *store.User
	if f.Event == EventSignIn || f.UserID != "" {
		if f.UserID == "" {
			return ErrIdentifierNotFound
		}
		u, err := e.users.Get(ctx, f.UserID)
		if err != nil {
			return err
		}
		current = u
	}
	switch in.Type {
	case ProfileUsername:
		return e.setUsername(ctx, f, current, in.Value)
	case ProfilePassword:
		return e.setPassword(ctx, f, current, in.Value)
	case ProfileEmail, ProfilePhone:
		return e.setVerifiedIdentifier(ctx, f, current, in)
	case ProfileSocial:
		// This needs a social record, which this server does not issue
		// yet, so no ID can match.
		return ErrVerificationNotFound
	default:
		return ErrProfileTypeNotAllowed
	}
}

func (e *Engine) setUsername(ctx context.Context, f *Flow, current *store.User, username string) error {
	if err := user.ValidateUsername(username); err != nil {
		return err
	}
	if current != nil && current.Username != "" {
		return user.ErrUsernameExists
	}
	if err := e.users.CheckAvailable(ctx, username, ""); err != nil {
		return err
	}
	f.Profile.Username = username
	return nil
}

func (e *Engine) setPassword(ctx context.Context, f *Flow, current *store.User, pw string) error {
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	info := password.UserInfo{Username: f.Profile.Username, Email: f.Profile.PrimaryEmail, Phone: f.Profile.PrimaryPhone}
	if current != nil {
		info.Name = current.Name
		info.Username = firstNonEmpty(info.Username, current.Username)
		info.Email = firstNonEmpty(info.Email, current.PrimaryEmail)
		info.Phone = firstNonEmpty(info.Phone, current.PrimaryPhone)
	}
	if err := s.PasswordPolicy.Validate(pw, info); err != nil {
		return err
	}
	if current != nil && current.PasswordHash != "" {
		return user.ErrPasswordExists
	}
	hash, err := e.hash(ctx, pw)
	if err != nil {
		return err
	}
	f.Profile.PasswordHash = hash
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// missingFields lists the mandatory profile fields neither the account
// (nil for a new one) nor the staged profile has.
func missingFields(s *Settings, p Profile, u *store.User) []string {
	var have store.User
	if u != nil {
		have = *u
	}
	var missing []string
	for _, field := range s.mandatoryProfile() {
		ok := true
		switch field {
		case MissingUsername:
			ok = have.Username != "" || p.Username != ""
		case MissingEmail:
			ok = have.PrimaryEmail != "" || p.PrimaryEmail != ""
		case MissingPhone:
			ok = have.PrimaryPhone != "" || p.PrimaryPhone != ""
		case MissingEmailOrPhone:
			ok = have.PrimaryEmail != "" || have.PrimaryPhone != "" || p.PrimaryEmail != "" || p.PrimaryPhone != ""
		case MissingPassword:
			// A linked social identity stands in for a password (Logto).
			ok = have.PasswordHash != "" || p.PasswordHash != "" || hasIdentities(have) || p.SocialIdentity != nil
		}
		if !ok {
			missing = append(missing, field)
		}
	}
	return missing
}

func hasIdentities(u store.User) bool {
	s := string(u.Identities)
	return s != "" && s != "{}" && s != "null"
}
