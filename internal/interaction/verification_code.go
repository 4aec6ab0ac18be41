package interaction

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Verification record types of e-mail and SMS codes (Logto's
// VerificationType).
const (
	RecordEmailVerificationCode RecordType = "EmailVerificationCode"
	RecordPhoneVerificationCode RecordType = "PhoneVerificationCode"
)

// isCode reports whether t is an e-mail or SMS code record.
func (t RecordType) isCode() bool {
	return t == RecordEmailVerificationCode || t == RecordPhoneVerificationCode
}

// codeRecordType is the record type of a code sent to identifierType.
func codeRecordType(identifierType string) RecordType {
	if identifierType == user.IdentifierPhone {
		return RecordPhoneVerificationCode
	}
	return RecordEmailVerificationCode
}

// Code defaults (spec/experience.md "Connectors").
const (
	DefaultCodeTTL         = 10 * time.Minute
	DefaultCodeMaxAttempts = 5
	codeDigits             = 6
)

// CodeStore is the part of the store verification codes use.
type CodeStore interface {
	CreateVerificationCode(ctx context.Context, c *store.VerificationCode) error
	AttemptVerificationCode(ctx context.Context, id string, maxAttempts int, now time.Time) (*store.VerificationCode, bool, error)
	ConsumeVerificationCode(ctx context.Context, id string, now time.Time) error
}

// CodeSender delivers a code to an address or a number (connector/email,
// connector/sms).
type CodeSender interface {
	Send(ctx context.Context, m connector.Message) error
}

// CodeUsers is what code sign-in, password reset and profile fulfilment
// need from the user service beyond Users.
type CodeUsers interface {
	FindByIdentifier(ctx context.Context, identifierType, value string) (*store.User, error)
	CheckPhoneAvailable(ctx context.Context, phone string) error
	ResetPassword(ctx context.Context, userID, passwordHash string) (*store.User, error)
}

// Codes enables verification codes (and with them code sign-in, e-mail or
// phone registration, password reset and profile fulfilment). The zero
// value disables them: sending answers connector.not_found.
type Codes struct {
	Store CodeStore
	Users CodeUsers
	// Email and SMS deliver codes; a nil one makes that channel
	// unavailable (501 connector.not_found, as Logto).
	Email CodeSender
	SMS   CodeSender
	// Secret keys the stored code hashes (HMAC-SHA256), so the table alone
	// does not let anyone test the million possible codes.
	Secret []byte
	// TTL and MaxAttempts default to 10 minutes and 5.
	TTL         time.Duration
	MaxAttempts int
	// Generate makes a code; nil means six random digits. Tests only.
	Generate func() (string, error)
}

func (c *Codes) enabled() bool { return c.Store != nil && c.Users != nil && len(c.Secret) > 0 }

func (c *Codes) ttl() time.Duration {
	if c.TTL <= 0 {
		return DefaultCodeTTL
	}
	return c.TTL
}

func (c *Codes) maxAttempts() int {
	if c.MaxAttempts <= 0 {
		return DefaultCodeMaxAttempts
	}
	return c.MaxAttempts
}

func (c *Codes) sender(identifierType string) CodeSender {
	if identifierType == user.IdentifierPhone {
		return c.SMS
	}
	return c.Email
}

// hash binds the code to its record, so equal codes of two records hash
// differently.
func (c *Codes) hash(recordID, code string) []byte {
	m := hmac.New(sha256.New, c.Secret)
	m.Write([]byte(recordID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// randomCode is six uniformly random decimal digits.
func randomCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// Errors of verification codes, with Logto's codes.
var (
	ErrCodeNotFound      = &Error{Code: "verification_code.not_found", Message: "Verification code not found. Please send a verification code first."}
	ErrCodeMismatch      = &Error{Code: "verification_code.code_mismatch", Message: "Invalid verification code."}
	ErrCodeExpired       = &Error{Code: "verification_code.expired", Message: "The verification code has expired. Please request a new one."}
	ErrCodeExceedMaxTry  = &Error{Code: "verification_code.exceed_max_try", Message: "Too many wrong codes. Please request a new verification code."}
	ErrCodeEmailMismatch = &Error{Code: "verification_code.email_mismatch", Message: "The e-mail address does not match. Please request a new verification code."}
	ErrCodePhoneMismatch = &Error{Code: "verification_code.phone_mismatch", Message: "The phone number does not match. Please request a new verification code."}
	ErrSendFailed        = &Error{Code: "connector.general", Message: "The verification code could not be sent. Please try again later."}
	ErrSignUpDisabled    = &Error{Code: "user.sign_up_method_not_enabled", Message: "This sign-up method is not enabled."}
)

// errConnectorNotFound is Logto's 501 when no connector can deliver to
// identifierType.
func errConnectorNotFound(identifierType string) error {
	typ := "Email"
	if identifierType == user.IdentifierPhone {
		typ = "Sms"
	}
	return &Error{Code: "connector.not_found", Message: "No connector can send this verification code.",
		Data: map[string]string{"type": typ}}
}

// normalizeCodeIdentifier checks a code identifier's type and normalises
// its value (lower-case e-mail, digits-only phone).
func normalizeCodeIdentifier(ident Identifier) (Identifier, error) {
	switch ident.Type {
	case user.IdentifierEmail:
		v, err := user.NormalizeEmail(ident.Value)
		return Identifier{Type: ident.Type, Value: v}, err
	case user.IdentifierPhone:
		v, err := user.NormalizePhone(ident.Value)
		return Identifier{Type: ident.Type, Value: v}, err
	}
	return Identifier{}, invalidInput(`identifier.type must be "email" or "phone".`)
}

// codeSignInEnabled reports whether identifierType signs in with a code.
func (s *Settings) codeSignInEnabled(identifierType string) bool {
	return slices.ContainsFunc(s.SignIn.Methods, func(m SignInMethod) bool {
		return m.Identifier == identifierType && m.VerificationCode
	})
}

// forgotPasswordEnabled reports whether a code to identifierType may reset
// a password.
func (s *Settings) forgotPasswordEnabled(identifierType string) bool {
	if s.ForgotPasswordMethods == nil {
		return true
	}
	return slices.Contains(s.ForgotPasswordMethods, string(codeRecordType(identifierType)))
}

// codeUseAllowed says whether a code to identifierType can be of any use
// in f under s; sending is refused otherwise, so the server cannot be used
// to mail arbitrary addresses.
func (s *Settings) codeUseAllowed(f *Flow, identifierType string) bool {
	switch f.Event {
	case EventSignIn:
		// Identified users may prove an address for profile fulfilment.
		return f.UserID != "" || s.codeSignInEnabled(identifierType)
	case EventRegister:
		return slices.Contains(s.SignUp.Identifiers, identifierType) || s.codeSignInEnabled(identifierType)
	case EventForgotPassword:
		return s.forgotPasswordEnabled(identifierType)
	}
	return false
}

// templateFor picks the message wording for the event the client names
// (Logto's interactionEvent body field chooses the template only).
func templateFor(e Event) connector.Template {
	switch e {
	case EventSignIn:
		return connector.TemplateSignIn
	case EventRegister:
		return connector.TemplateRegister
	case EventForgotPassword:
		return connector.TemplateForgotPassword
	}
	return connector.TemplateGeneric
}

// SendCode creates a verification code for ident, stores its hash, sends
// it and records an unverified code record; it returns the record ID.
// purpose is the body's interactionEvent and only picks the template.
//
// The answer does not depend on whether an account uses ident: codes go
// to unknown addresses too (they may be registering), so sending reveals
// nothing. A newer code replaces the record of an older one of the same
// channel, which then cannot be verified any more.
func (e *Engine) SendCode(ctx context.Context, f *Flow, ident Identifier, purpose Event) (string, error) {
	if err := f.started(); err != nil {
		return "", err
	}
	ident, err := normalizeCodeIdentifier(ident)
	if err != nil {
		return "", err
	}
	c := &e.codes
	sender := c.sender(ident.Type)
	if !c.enabled() || sender == nil {
		return "", errConnectorNotFound(ident.Type)
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return "", err
	}
	if !s.codeUseAllowed(f, ident.Type) {
		return "", ErrSignInMethodDisabled
	}
	gen := c.Generate
	if gen == nil {
		gen = randomCode
	}
	code, err := gen()
	if err != nil {
		return "", fmt.Errorf("generate verification code: %w", err)
	}
	now := e.now()
	tmpl := templateFor(purpose)
	rec := &store.VerificationCode{
		ID: id.New(), InteractionID: f.ID, IdentifierType: ident.Type, Identifier: ident.Value,
		Purpose: string(tmpl), CreatedAt: now, ExpiresAt: now.Add(c.ttl()),
	}
	rec.Hash = c.hash(rec.ID, code)
	// Stored before it is sent: a code in someone's inbox always has a row.
	if err := c.Store.CreateVerificationCode(ctx, rec); err != nil {
		return "", fmt.Errorf("store verification code: %w", err)
	}
	msg := connector.Message{To: ident.Value, Template: tmpl, Code: code, ExpiresIn: c.ttl()}
	if err := sender.Send(ctx, msg); err != nil {
		e.log.ErrorContext(ctx, "verification code not delivered", "interaction_id", f.ID,
			"channel", ident.Type, "err", err)
		return "", ErrSendFailed
	}
	f.setRecord(Record{ID: rec.ID, Type: codeRecordType(ident.Type), Identifier: ident})
	return rec.ID, nil
}

// VerifyCode checks code against the record verificationID, which must be
// a code record of this interaction sent to ident. Every attempt counts
// (in the store, so a failed request still uses one up); after
// MaxAttempts the code is dead. A right code is consumed and the record
// marked verified.
func (e *Engine) VerifyCode(ctx context.Context, f *Flow, ident Identifier, verificationID, code string) (string, error) {
	if err := f.started(); err != nil {
		return "", err
	}
	ident, err := normalizeCodeIdentifier(ident)
	if err != nil {
		return "", err
	}
	r, err := f.record(verificationID)
	if err != nil {
		return "", err
	}
	if r.Type != codeRecordType(ident.Type) {
		return "", ErrVerificationNotFound
	}
	if r.Identifier.Value != ident.Value {
		if ident.Type == user.IdentifierPhone {
			return "", ErrCodePhoneMismatch
		}
		return "", ErrCodeEmailMismatch
	}
	c := &e.codes
	if !c.enabled() {
		return "", ErrCodeNotFound
	}
	now := e.now()
	stored, counted, err := c.Store.AttemptVerificationCode(ctx, verificationID, c.maxAttempts(), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", ErrCodeNotFound
	case err != nil:
		return "", fmt.Errorf("verification code attempt: %w", err)
	case stored.InteractionID != f.ID || stored.Identifier != ident.Value:
		return "", ErrCodeNotFound
	case !counted && !stored.ConsumedAt.IsZero():
		return "", ErrCodeNotFound
	case !counted && !now.Before(stored.ExpiresAt):
		return "", ErrCodeExpired
	case !counted:
		return "", ErrCodeExceedMaxTry
	}
	if !hmac.Equal(stored.Hash, c.hash(verificationID, code)) {
		return "", ErrCodeMismatch
	}
	if err := c.Store.ConsumeVerificationCode(ctx, verificationID, now); errors.Is(err, store.ErrNotFound) {
		return "", ErrCodeNotFound // a concurrent request used it first
	} else if err != nil {
		return "", fmt.Errorf("consume verification code: %w", err)
	}
	r.Verified = true
	return r.ID, nil
}

// verifiedCodeRecord returns the verified code record verificationID of
// the given channel ("" for either).
func (f *Flow) verifiedCodeRecord(verificationID, identifierType string) (*Record, error) {
	r, err := f.record(verificationID)
	if err != nil {
		return nil, err
	}
	if !r.Type.isCode() || (identifierType != "" && r.Type != codeRecordType(identifierType)) {
		return nil, ErrVerificationNotFound
	}
	if !r.Verified {
		return nil, ErrVerificationFailed
	}
	return r, nil
}

// identifyByCode identifies the owner of a verified e-mail or phone for
// SignIn or ForgotPassword. An address without an account answers
// user.user_not_exist (Logto's cue for the UI to offer registration); only
// someone who proved they own the address learns it.
func (e *Engine) identifyByCode(ctx context.Context, f *Flow, r *Record, s *Settings) error {
	if !r.Verified {
		return ErrVerificationFailed
	}
	switch f.Event {
	case EventSignIn:
		if !s.codeSignInEnabled(r.Identifier.Type) {
			return ErrSignInMethodDisabled
		}
	case EventForgotPassword:
		if !s.forgotPasswordEnabled(r.Identifier.Type) {
			return ErrSignInMethodDisabled
		}
	default:
		return ErrInvalidInteraction
	}
	if !e.codes.enabled() {
		return ErrVerificationFailed
	}
	u, err := e.codes.Users.FindByIdentifier(ctx, r.Identifier.Type, r.Identifier.Value)
	if err != nil {
		return err
	}
	if u.IsSuspended {
		return user.ErrSuspended
	}
	if f.UserID != "" && f.UserID != u.ID {
		return ErrIdentityConflict
	}
	f.UserID = u.ID
	// RFC 8176: "otp" for a one-time code, "sms" when it came by text.
	if r.Identifier.Type == user.IdentifierPhone {
		f.AMR = []string{"sms"}
	} else {
		f.AMR = []string{"otp"}
	}
	return nil
}

// registerWithCode stages the proven e-mail or phone of r as the new
// account's identifier and creates the account (Register identification
// with a code record).
func (e *Engine) registerWithCode(ctx context.Context, f *Flow, r *Record) error {
	if !r.Verified {
		return ErrVerificationFailed
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(s.SignUp.Identifiers, r.Identifier.Type) {
		return ErrSignUpDisabled
	}
	if err := e.stageVerifiedIdentifier(ctx, f, nil, r); err != nil {
		return err
	}
	err = e.createUser(ctx, f, "")
	if errors.Is(err, ErrMissingProfile) {
		return progressError{err}
	}
	return err
}
