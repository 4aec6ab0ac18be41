package interaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// RecordSocial proves an identity at a social identity provider.
const RecordSocial RecordType = "Social"

// SocialConnectors runs the two halves of a social sign-in
// (*social.Service).
type SocialConnectors interface {
	AuthorizationURI(ctx context.Context, connectorID, state, redirectURI string) (*social.Started, error)
	Verify(ctx context.Context, connectorID string, sess social.Session, data map[string]string) (*social.UserInfo, error)
	Get(ctx context.Context, connectorID string) (*social.Connector, error)
}

// SocialRecord is the data of a Social record.
type SocialRecord struct {
	ConnectorID string `json:"connectorId"`
	Target      string `json:"target"`
	// Session is the pending sign-in; it is dropped once verified, so a
	// callback is accepted once.
	Session *social.Session `json:"session,omitempty"`
	// UserInfo is the verified identity.
	UserInfo *social.UserInfo `json:"userInfo,omitempty"`
}

// SocialIdentity is a social identity staged for the account: linked (or
// refreshed) at submit, or created with a new account at identification.
type SocialIdentity struct {
	ConnectorID string          `json:"connectorId"`
	Target      string          `json:"target"`
	UserInfo    social.UserInfo `json:"userInfo"`
	SyncProfile bool            `json:"syncProfile,omitempty"`
}

// Errors of social sign-in, with Logto's codes.
var (
	ErrIdentityNotExist     = &Error{Code: "user.identity_not_exist", Message: "This social account is not linked to any account yet."}
	ErrIdentityAlreadyInUse = &Error{Code: "user.identity_already_in_use", Message: "This social account is linked to another account."}
	ErrSocialNotEnabled     = &Error{Code: "entity.not_found", Message: "The social connector does not exist."}
)

// StartSocial begins a social sign-in (POST
// /api/experience/verification/social/:connectorId/authorization-uri):
// it returns the record ID and the provider URL to send the browser to.
func (e *Engine) StartSocial(ctx context.Context, f *Flow, connectorID, state, redirectURI string) (string, string, error) {
	if err := f.started(); err != nil {
		return "", "", err
	}
	if e.auth.Social == nil {
		return "", "", ErrSocialNotEnabled
	}
	started, err := e.auth.Social.AuthorizationURI(ctx, connectorID, state, redirectURI)
	if err != nil {
		return "", "", err
	}
	sess := started.Session
	r := Record{ID: id.New(), Type: RecordSocial,
		Social: &SocialRecord{ConnectorID: connectorID, Target: started.Connector.Target, Session: &sess}}
	f.setRecord(r)
	return r.ID, started.URI, nil
}

// VerifySocial finishes the provider round trip (POST
// .../social/:connectorId/verify) with the callback's parameters.
func (e *Engine) VerifySocial(ctx context.Context, f *Flow, connectorID, verificationID string, data map[string]string) error {
	if err := f.started(); err != nil {
		return err
	}
	if e.auth.Social == nil {
		return ErrSocialNotEnabled
	}
	r, err := f.record(verificationID)
	if err != nil {
		return err
	}
	if r.Type != RecordSocial || r.Social == nil || r.Social.ConnectorID != connectorID {
		return ErrVerificationNotFound
	}
	if r.Social.Session == nil {
		return ErrVerificationFailed // already used
	}
	info, err := e.auth.Social.Verify(ctx, connectorID, *r.Social.Session, data)
	if err != nil {
		return err
	}
	r.Verified, r.Social.Session, r.Social.UserInfo = true, nil, info
	return nil
}

// socialRecord returns the verified social record vid.
func (f *Flow) socialRecord(vid string) (*Record, error) {
	r, err := f.record(vid)
	if err != nil {
		return nil, err
	}
	if r.Type != RecordSocial || r.Social == nil {
		return nil, ErrVerificationFailed
	}
	if !r.Verified || r.Social.UserInfo == nil {
		return nil, ErrVerificationFailed
	}
	return r, nil
}

// identifySocial signs in the user linked to a verified social identity.
// Without a link it answers 404 user.identity_not_exist, naming the
// account with the same verified e-mail or phone as relatedUser; with
// link=true (linkSocialIdentity) it signs in that related account and
// links the identity at submit. Logto's rules.
func (e *Engine) identifySocial(ctx context.Context, f *Flow, r *Record, link bool) error {
	if f.Event == EventForgotPassword {
		return ErrForgotPasswordSwitch
	}
	if e.auth.Social == nil || e.auth.Store == nil {
		return ErrSocialNotEnabled
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if !s.allows(f.Event) {
		return ErrEventForbidden
	}
	info := *r.Social.UserInfo
	c, err := e.auth.Social.Get(ctx, r.Social.ConnectorID)
	if err != nil {
		return err
	}
	staged := &SocialIdentity{ConnectorID: c.ID, Target: r.Social.Target, UserInfo: info, SyncProfile: c.SyncProfile}

	u, err := e.auth.Store.GetUserByIdentity(ctx, r.Social.Target, info.ID)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		relatedType, related, rerr := e.relatedUser(ctx, info)
		if rerr != nil {
			return rerr
		}
		if !link || related == nil {
			notExist := &Error{Code: ErrIdentityNotExist.Code, Message: ErrIdentityNotExist.Message}
			if related != nil {
				value := info.Email
				if relatedType == user.IdentifierPhone {
					value = info.Phone
				}
				notExist.Data = map[string]any{"relatedUser": map[string]string{"type": relatedType, "value": value}}
			}
			return notExist
		}
		u = related
	default:
		return fmt.Errorf("find user by identity: %w", err)
	}
	if u.IsSuspended {
		return user.ErrSuspended
	}
	if f.UserID != "" && f.UserID != u.ID {
		return ErrIdentityConflict
	}
	f.UserID = u.ID
	f.AMR = []string{"fed"}
	f.Profile.SocialIdentity = staged
	return nil
}

// relatedUser finds the account whose e-mail or phone the provider
// verified (phone first, as Logto).
func (e *Engine) relatedUser(ctx context.Context, info social.UserInfo) (string, *store.User, error) {
	lookups := []struct {
		kind, value string
		get         func(context.Context, string) (*store.User, error)
	}{
		{user.IdentifierPhone, info.Phone, e.auth.Store.GetUserByPhone},
		{user.IdentifierEmail, info.Email, e.auth.Store.GetUserByEmail},
	}
	for _, l := range lookups {
		if l.value == "" {
			continue
		}
		u, err := l.get(ctx, l.value)
		switch {
		case err == nil:
			return l.kind, u, nil
		case !errors.Is(err, store.ErrNotFound):
			return "", nil, fmt.Errorf("find related user: %w", err)
		}
	}
	return "", nil, nil
}

// IdentifyLinkingSocial is identification with linkSocialIdentity=true:
// sign in the account related to the social identity and link it.
func (e *Engine) IdentifyLinkingSocial(ctx context.Context, f *Flow, verificationID string) error {
	if err := f.started(); err != nil {
		return err
	}
	if f.Event != EventSignIn {
		return ErrInvalidInteraction
	}
	r, err := f.socialRecord(verificationID)
	if err != nil {
		return err
	}
	return e.identifySocial(ctx, f, r, true)
}

// registerSocial creates an account from a verified social identity
// (identification during Register): the profile comes from the provider's
// claims (an e-mail or phone only when verified and free), and the user
// row and the identity link are written in one transaction.
func (e *Engine) registerSocial(ctx context.Context, f *Flow, r *Record) error {
	if e.auth.Social == nil || e.auth.Store == nil {
		return ErrSocialNotEnabled
	}
	if !r.Verified || r.Social == nil || r.Social.UserInfo == nil {
		return ErrVerificationFailed
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if !s.allows(EventRegister) {
		return ErrEventForbidden
	}
	info := *r.Social.UserInfo
	switch _, err := e.auth.Store.GetUserByIdentity(ctx, r.Social.Target, info.ID); {
	case err == nil:
		return ErrIdentityAlreadyInUse
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("find user by identity: %w", err)
	}
	c, err := e.auth.Social.Get(ctx, r.Social.ConnectorID)
	if err != nil {
		return err
	}
	if f.Profile.PrimaryEmail == "" && info.Email != "" {
		// The provider's verified address becomes the account's unless
		// another account has it (Logto).
		switch _, err := e.auth.Store.GetUserByEmail(ctx, info.Email); {
		case errors.Is(err, store.ErrNotFound):
			f.Profile.PrimaryEmail = info.Email
		case err != nil:
			return fmt.Errorf("find user by email: %w", err)
		}
	}
	f.Profile.SocialIdentity = &SocialIdentity{ConnectorID: c.ID, Target: r.Social.Target, UserInfo: info, SyncProfile: c.SyncProfile}
	if missing := missingFields(s, f.Profile, nil); len(missing) > 0 {
		return missingProfile(missing)
	}
	var created *store.User
	err = e.auth.Store.InTx(ctx, func(tx store.Store) error {
		users := &user.Service{Store: tx, Now: e.now}
		u, err := users.Create(ctx, user.NewUser{
			Username: f.Profile.Username, Email: f.Profile.PrimaryEmail, Phone: f.Profile.PrimaryPhone,
			Name: info.Name, PasswordHash: f.Profile.PasswordHash,
		})
		if err != nil {
			return err
		}
		if err := linkIdentity(ctx, tx, u.ID, f.Profile.SocialIdentity, true); err != nil {
			return err
		}
		created = u
		return nil
	})
	if err != nil {
		return err
	}
	f.UserID = created.ID
	f.AMR = []string{"fed"}
	if created.PasswordHash != "" {
		f.AMR = append(f.AMR, "pwd")
	}
	f.Profile = Profile{}
	return nil
}

// linkIdentity links (or refreshes) a social identity and, for a new
// account or a connector that syncs profiles, copies the avatar and name.
func linkIdentity(ctx context.Context, tx store.Store, userID string, si *SocialIdentity, newUser bool) error {
	details, err := json.Marshal(si.UserInfo)
	if err != nil {
		return fmt.Errorf("encode identity details: %w", err)
	}
	err = tx.LinkUserIdentity(ctx, &store.UserIdentity{UserID: userID, Target: si.Target, IdentityID: si.UserInfo.ID,
		ConnectorID: si.ConnectorID, Details: details})
	if errors.Is(err, store.ErrConflict) {
		return ErrIdentityAlreadyInUse
	}
	if err != nil {
		return fmt.Errorf("link identity: %w", err)
	}
	if (!newUser && !si.SyncProfile) || (si.UserInfo.Name == "" && si.UserInfo.Avatar == "") {
		return nil
	}
	_, err = tx.UpdateUser(ctx, userID, func(u *store.User) error {
		if si.UserInfo.Name != "" {
			u.Name = si.UserInfo.Name
		}
		if si.UserInfo.Avatar != "" {
			u.Avatar = si.UserInfo.Avatar
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sync profile from identity: %w", err)
	}
	return nil
}
