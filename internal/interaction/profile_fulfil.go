package interaction

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Profile fulfilment: when the settings require a field the account (or
// the account being registered) lacks, identification or submit answers
// 422 user.missing_profile {missingProfile: [...]}, and the UI supplies it
// with POST /api/experience/profile. An e-mail address or a phone number
// must come with a verified code record proving it:
//
//	{type: "email", verificationId}   {type: "phone", verificationId}

// progressError marks a failure after which the flow's changes are still
// worth keeping (see KeepsProgress).
type progressError struct{ error }

func (e progressError) Unwrap() error { return e.error }

// KeepsProgress reports whether the caller should save the flow although
// the step failed. Like Logto, a Register identification that stages a
// proven e-mail or phone keeps it when it then reports
// user.missing_profile, so the UI can fill in the rest and identify again
// without the record.
func KeepsProgress(err error) bool {
	var p progressError
	return errors.As(err, &p)
}

// setVerifiedIdentifier handles profile types email and phone.
func (e *Engine) setVerifiedIdentifier(ctx context.Context, f *Flow, current *store.User, in ProfileInput) error {
	identifierType := user.IdentifierEmail
	if in.Type == ProfilePhone {
		identifierType = user.IdentifierPhone
	}
	r, err := f.verifiedCodeRecord(in.VerificationID, identifierType)
	if err != nil {
		return err
	}
	return e.stageVerifiedIdentifier(ctx, f, current, r)
}

// stageVerifiedIdentifier stages the e-mail or phone a verified code
// record proved, for a new account (current nil) or one that lacks it.
func (e *Engine) stageVerifiedIdentifier(ctx context.Context, f *Flow, current *store.User, r *Record) error {
	if !e.codes.enabled() {
		return ErrVerificationNotFound
	}
	v := r.Identifier.Value
	switch r.Identifier.Type {
	case user.IdentifierEmail:
		if current != nil && current.PrimaryEmail != "" {
			return user.ErrEmailExists
		}
		if err := e.users.CheckAvailable(ctx, "", v); err != nil {
			return err
		}
		f.Profile.PrimaryEmail = v
	case user.IdentifierPhone:
		if current != nil && current.PrimaryPhone != "" {
			return user.ErrPhoneExists
		}
		if err := e.codes.Users.CheckPhoneAvailable(ctx, v); err != nil {
			return err
		}
		f.Profile.PrimaryPhone = v
	default:
		return ErrVerificationNotFound
	}
	return nil
}
