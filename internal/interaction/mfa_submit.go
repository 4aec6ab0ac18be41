package interaction

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse/internal/store"
)

// authenticatorWrites is what submit writes for MFA and social sign-in,
// captured by prepareAuthenticators before submit clears the staged
// profile.
type authenticatorWrites struct {
	mfa    MFAState
	social *SocialIdentity
}

// prepareAuthenticators runs submit's MFA checks and captures the staged
// factors and social identity for commitAuthenticators.
func (e *Engine) prepareAuthenticators(ctx context.Context, f *Flow, u *store.User, s *Settings) (*authenticatorWrites, error) {
	if err := e.checkMFA(ctx, f, u, s); err != nil {
		return nil, err
	}
	w := &authenticatorWrites{social: f.Profile.SocialIdentity}
	if f.MFA.UserID == u.ID {
		w.mfa = f.MFA
	}
	return w, nil
}

// commitAuthenticators creates the bound factors, records a skip and links
// the social identity in one transaction, then adds what was proved to
// the AMR (RFC 8176; "mfa" once two kinds of factor were used).
func (e *Engine) commitAuthenticators(ctx context.Context, f *Flow, u *store.User, w *authenticatorWrites) error {
	if w == nil || e.auth.Store == nil {
		return nil
	}
	if w.mfa.pending() || w.social != nil {
		err := e.auth.Store.InTx(ctx, func(tx store.Store) error {
			if err := e.commitMFA(ctx, tx, u.ID, &w.mfa); err != nil {
				return err
			}
			if w.social != nil {
				return linkIdentity(ctx, tx, u.ID, w.social, false)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	amr := slices.Clone(f.AMR)
	for _, m := range f.mfaAMR() {
		if !slices.Contains(amr, m) {
			amr = append(amr, m)
		}
	}
	if len(amr) >= 2 && !slices.Contains(amr, "mfa") {
		amr = append(amr, "mfa")
	}
	f.AMR = amr
	f.MFA = MFAState{}
	f.Profile.SocialIdentity = nil
	return nil
}
