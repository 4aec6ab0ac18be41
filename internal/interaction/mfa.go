package interaction

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Authenticators are the engine's dependencies for MFA and social sign-in.
// The zero value disables both: MFA steps answer
// session.mfa.mfa_factor_not_enabled, social steps entity.not_found, and
// submit checks no factor.
type Authenticators struct {
	Store AuthenticatorStore
	// Box seals TOTP keys at rest (a key derived for MFA).
	Box *seal.Box
	// BackupCodes hashes backup codes (a key derived for them).
	BackupCodes *mfa.BackupCodeHasher
	// WebAuthn is the relying party of the public endpoint; nil disables
	// the WebAuthn factor (an endpoint on an IP address cannot be one).
	WebAuthn *mfa.RelyingParty
	// TOTPIssuer labels TOTP keys in authenticator apps (the endpoint's
	// host name, as Logto does).
	TOTPIssuer string
	// Social runs social sign-ins; nil disables them.
	Social SocialConnectors
}

// AuthenticatorStore is the part of the store MFA and social sign-in use.
type AuthenticatorStore interface {
	store.MFAFactors
	GetUserByIdentity(ctx context.Context, target, identityID string) (*store.User, error)
	GetUserByEmail(ctx context.Context, email string) (*store.User, error)
	GetUserByPhone(ctx context.Context, phone string) (*store.User, error)
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

func (a *Authenticators) mfaEnabled() bool {
	return a.Store != nil && a.Box != nil && a.BackupCodes != nil
}

// Verification record types of MFA (Logto's VerificationType; the same
// strings as the MfaFactor each proves).
const (
	RecordTOTP       RecordType = "Totp"
	RecordWebAuthn   RecordType = "WebAuthn"
	RecordBackupCode RecordType = "BackupCode"
)

// MFARecord is the data of a Totp, WebAuthn or BackupCode record.
type MFARecord struct {
	// Bind marks a record that sets up a new factor (Logto's
	// isNewBindMfaVerification): its proof never satisfies an MFA check.
	Bind bool `json:"bind,omitempty"`
	// SealedSecret is a new TOTP key, sealed to the user.
	SealedSecret []byte `json:"sealedSecret,omitempty"`
	// TOTPStep is the time step of the code that proved a new TOTP key;
	// it becomes the factor's last used step, so that code cannot be
	// replayed.
	TOTPStep int64 `json:"totpStep,omitempty"`
	// Ceremony is the WebAuthn state between the options and the verify
	// call; it is dropped once used, so a challenge answers once.
	Ceremony []byte `json:"ceremony,omitempty"`
	// Credential is a verified new WebAuthn credential.
	Credential *mfa.Credential `json:"credential,omitempty"`
	// BackupCodeHashes are newly generated backup codes, hashed.
	BackupCodeHashes [][]byte `json:"backupCodeHashes,omitempty"`
	// AMR is the RFC 8176 method the record proved ("otp", "hwk", "swk").
	AMR string `json:"amr,omitempty"`
}

// MFAState is an interaction's MFA progress: factors to create at submit
// and the skip choice (Logto's interaction mfa data).
type MFAState struct {
	// UserID is whom the state belongs to; state left from another user
	// (the interaction was restarted) is ignored.
	UserID  string `json:"userId,omitempty"`
	Skipped bool   `json:"mfaSkipped,omitempty"`
	// TOTPSecret is a verified new TOTP key (sealed) and TOTPStep the step
	// of the code that verified it.
	TOTPSecret []byte           `json:"totp,omitempty"`
	TOTPStep   int64            `json:"totpStep,omitempty"`
	WebAuthn   []mfa.Credential `json:"webAuthn,omitempty"`
	// BackupCodeHashes replace the user's backup codes at submit.
	BackupCodeHashes [][]byte `json:"backupCode,omitempty"`
	// AMR lists the methods the bound factors proved.
	AMR []string `json:"amr,omitempty"`
}

func (s *MFAState) pending() bool {
	return len(s.TOTPSecret) > 0 || len(s.WebAuthn) > 0 || len(s.BackupCodeHashes) > 0 || s.Skipped
}

// mfaState returns the MFA state of the identified user, resetting state
// left by someone else.
func (f *Flow) mfaState() *MFAState {
	if f.MFA.UserID != f.UserID {
		f.MFA = MFAState{UserID: f.UserID}
	}
	return &f.MFA
}

// MFA policies (Logto's MfaPolicy).
const (
	// MFAUserControlled is Logto's deprecated name for prompting at
	// sign-up and sign-in, skippable.
	MFAUserControlled          = "UserControlled"
	MFAMandatory               = "Mandatory"
	MFAPromptOnlyAtSignIn      = "PromptOnlyAtSignIn"
	MFAPromptAtSignInAndSignUp = "PromptAtSignInAndSignUp"
	MFANoPrompt                = "NoPrompt"
)

// MFASettings is the mfa column of Logto's sign_in_experiences: the
// factors users may bind and when they are asked to.
type MFASettings struct {
	Factors []string `json:"factors"`
	Policy  string   `json:"policy"`
}

// DefaultMFASettings offers TOTP, passkeys and backup codes without ever
// prompting: users who want MFA bind it; nobody is asked. (Logto's default
// enables no factor at all, which would make binding impossible.)
func DefaultMFASettings() MFASettings {
	return MFASettings{Factors: []string{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode}, Policy: MFANoPrompt}
}

// Errors of MFA, with Logto's codes.
var (
	ErrMFAFactorNotEnabled        = &Error{Code: "session.mfa.mfa_factor_not_enabled", Message: "This MFA factor is not enabled."}
	ErrInvalidTOTPCode            = &Error{Code: "session.mfa.invalid_totp_code", Message: "Invalid TOTP code."}
	ErrInvalidBackupCode          = &Error{Code: "session.mfa.invalid_backup_code", Message: "Invalid backup code."}
	ErrWebAuthnFailed             = &Error{Code: "session.mfa.webauthn_verification_failed", Message: "WebAuthn verification failed."}
	ErrPendingInfoNotFound        = &Error{Code: "session.mfa.pending_info_not_found", Message: "Pending MFA info not found, please initiate MFA first."}
	ErrTOTPAlreadyInUse           = &Error{Code: "user.totp_already_in_use", Message: "This account already has an authenticator app."}
	ErrBackupCodeAlone            = &Error{Code: "session.mfa.backup_code_can_not_be_alone", Message: "Backup codes cannot be the only MFA factor."}
	ErrBackupCodeRequired         = &Error{Code: "session.mfa.backup_code_required", Message: "Backup codes are required."}
	ErrMFAPolicyNotUserControlled = &Error{Code: "session.mfa.mfa_policy_not_user_controlled", Message: "MFA is mandatory and cannot be skipped."}
	ErrRequireMFAVerification     = &Error{Code: "session.mfa.require_mfa_verification", Message: "MFA verification is required to sign in."}
	ErrMissingMFA                 = &Error{Code: "user.missing_mfa", Message: "You need to set up MFA before continuing."}
)

// requireMFAVerification is 403 session.mfa.require_mfa_verification with
// the factors the user can verify with.
func requireMFAVerification(factors []string) error {
	return &Error{Code: ErrRequireMFAVerification.Code, Message: ErrRequireMFAVerification.Message,
		Data: map[string]any{"availableFactors": factors, "maskedIdentifiers": map[string]string{}}}
}

func missingMFA(factors []string, skippable bool) error {
	data := map[string]any{"availableFactors": factors}
	if skippable {
		data["skippable"] = true
	}
	return &Error{Code: ErrMissingMFA.Code, Message: ErrMissingMFA.Message, Data: data}
}

// requireFactor checks that MFA is wired and factor is enabled in the
// sign-in experience.
func (e *Engine) requireFactor(ctx context.Context, factor string) (*Settings, error) {
	if !e.auth.mfaEnabled() {
		return nil, ErrMFAFactorNotEnabled
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.MFA.Factors, factor) || (factor == store.FactorWebAuthn && e.auth.WebAuthn == nil) {
		return nil, ErrMFAFactorNotEnabled
	}
	return s, nil
}

// identified checks that the interaction started and knows its user: MFA
// steps act on the identified user only (Logto answers
// session.identifier_not_found otherwise).
func (f *Flow) identified() error {
	if err := f.started(); err != nil {
		return err
	}
	if f.UserID == "" {
		return ErrIdentifierNotFound
	}
	return nil
}

// mfaRecord returns the record vid of type t belonging to the identified
// user; anything else is not found, as in Logto.
func (f *Flow) mfaRecord(vid string, t RecordType) (*Record, error) {
	r, err := f.record(vid)
	if err != nil {
		return nil, err
	}
	if r.Type != t || r.UserID != f.UserID || r.MFA == nil {
		return nil, ErrVerificationNotFound
	}
	return r, nil
}

// userFactors lists the user's factors that count: enabled in the sign-in
// experience, and backup codes only while some are unused.
func (e *Engine) userFactors(ctx context.Context, userID string, s *Settings) ([]store.MFAFactor, error) {
	all, err := e.auth.Store.ListMFAFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list mfa factors: %w", err)
	}
	out := all[:0]
	for _, f := range all {
		if slices.Contains(s.MFA.Factors, f.Type) && (f.Type != store.FactorBackupCode || f.RemainingCodes > 0) {
			out = append(out, f)
		}
	}
	return out, nil
}

// factorTypes lists the distinct types of factors in Logto's display
// order: TOTP, WebAuthn, then backup codes last.
func factorTypes(factors []store.MFAFactor) []string {
	var out []string
	for _, t := range []string{store.FactorTOTP, store.FactorWebAuthn, store.FactorBackupCode} {
		if slices.ContainsFunc(factors, func(f store.MFAFactor) bool { return f.Type == t }) {
			out = append(out, t)
		}
	}
	return out
}

// mfaVerified reports whether a record proves one of types for the
// identified user in this interaction (binding records do not count).
func (f *Flow) mfaVerified(types []string) bool {
	return slices.ContainsFunc(f.Records, func(r Record) bool {
		return r.MFA != nil && !r.MFA.Bind && r.Verified && r.UserID == f.UserID && slices.Contains(types, string(r.Type))
	})
}

// guardMFAVerified is Logto's guardMfaVerificationStatus: during SignIn a
// user with MFA must verify a factor before submitting or changing
// factors.
func (e *Engine) guardMFAVerified(ctx context.Context, f *Flow, s *Settings) error {
	if f.Event != EventSignIn || !e.auth.mfaEnabled() {
		return nil
	}
	factors, err := e.userFactors(ctx, f.UserID, s)
	if err != nil {
		return err
	}
	types := factorTypes(factors)
	if len(types) > 0 && !f.mfaVerified(types) {
		return requireMFAVerification(types)
	}
	return nil
}

// BindMFA stages a verified factor for the identified user (POST
// /api/experience/profile/mfa); it is created at submit.
func (e *Engine) BindMFA(ctx context.Context, f *Flow, factor, verificationID string) error {
	if err := f.identified(); err != nil {
		return err
	}
	if f.Event == EventForgotPassword {
		return ErrForgotPasswordSwitch
	}
	s, err := e.requireFactor(ctx, factor)
	if err != nil {
		return err
	}
	if err := e.guardMFAVerified(ctx, f, s); err != nil {
		return err
	}
	r, err := f.mfaRecord(verificationID, RecordType(factor))
	if err != nil {
		return err
	}
	all, err := e.auth.Store.ListMFAFactors(ctx, f.UserID)
	if err != nil {
		return fmt.Errorf("list mfa factors: %w", err)
	}
	st := f.mfaState()
	switch factor {
	case store.FactorTOTP:
		if !r.Verified {
			return ErrVerificationFailed
		}
		if !r.MFA.Bind || len(r.MFA.SealedSecret) == 0 {
			return ErrPendingInfoNotFound
		}
		if slices.ContainsFunc(all, func(x store.MFAFactor) bool { return x.Type == store.FactorTOTP }) {
			return ErrTOTPAlreadyInUse
		}
		st.TOTPSecret, st.TOTPStep = r.MFA.SealedSecret, r.MFA.TOTPStep
	case store.FactorWebAuthn:
		if !r.Verified {
			return ErrVerificationFailed
		}
		if !r.MFA.Bind || r.MFA.Credential == nil {
			return ErrPendingInfoNotFound
		}
		c := *r.MFA.Credential
		if !slices.ContainsFunc(st.WebAuthn, func(x mfa.Credential) bool { return string(x.ID) == string(c.ID) }) {
			st.WebAuthn = append(st.WebAuthn, c)
		}
	case store.FactorBackupCode:
		if !r.MFA.Bind || len(r.MFA.BackupCodeHashes) == 0 {
			return ErrPendingInfoNotFound
		}
		others := len(st.TOTPSecret) > 0 || len(st.WebAuthn) > 0 ||
			slices.ContainsFunc(all, func(x store.MFAFactor) bool { return x.Type != store.FactorBackupCode })
		if !others {
			return ErrBackupCodeAlone
		}
		st.BackupCodeHashes = r.MFA.BackupCodeHashes
	default:
		return ErrMFAFactorNotEnabled
	}
	if r.MFA.AMR != "" && !slices.Contains(st.AMR, r.MFA.AMR) {
		st.AMR = append(st.AMR, r.MFA.AMR)
	}
	return nil
}

// SkipMFA records that the user declines to set up MFA now (POST
// /api/experience/profile/mfa/mfa-skipped); refused when MFA is mandatory.
func (e *Engine) SkipMFA(ctx context.Context, f *Flow) error {
	if err := f.identified(); err != nil {
		return err
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if s.MFA.Policy == MFAMandatory {
		return ErrMFAPolicyNotUserControlled
	}
	f.mfaState().Skipped = true
	return nil
}

// checkMFA runs submit's MFA rules (Logto's guardMfaVerificationStatus and
// assertUserMandatoryMfaFulfilled): a SignIn of a user with factors needs
// a verified one (403); a policy that prompts needs a bound factor (422
// user.missing_mfa, skippable unless Mandatory) and, when backup codes are
// enabled, backup codes too.
func (e *Engine) checkMFA(ctx context.Context, f *Flow, u *store.User, s *Settings) error {
	if !e.auth.mfaEnabled() {
		return nil
	}
	if err := e.guardMFAVerified(ctx, f, s); err != nil {
		return err
	}
	policy := s.MFA.Policy
	if len(s.MFA.Factors) == 0 || policy == MFANoPrompt {
		return nil
	}
	st := f.mfaState()
	if policy != MFAMandatory {
		if st.Skipped {
			return nil
		}
		skipped, err := e.auth.Store.MFASkipped(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("mfa skipped: %w", err)
		}
		if skipped {
			return nil
		}
		if f.Event == EventRegister && policy == MFAPromptOnlyAtSignIn {
			return nil
		}
	}
	var available []string
	for _, t := range []string{store.FactorTOTP, store.FactorWebAuthn} {
		if slices.Contains(s.MFA.Factors, t) {
			available = append(available, t)
		}
	}
	factors, err := e.userFactors(ctx, u.ID, s)
	if err != nil {
		return err
	}
	linked := factorTypes(factors)
	if len(st.TOTPSecret) > 0 {
		linked = append(linked, store.FactorTOTP)
	}
	if len(st.WebAuthn) > 0 {
		linked = append(linked, store.FactorWebAuthn)
	}
	if len(st.BackupCodeHashes) > 0 {
		linked = append(linked, store.FactorBackupCode)
	}
	if !slices.ContainsFunc(available, func(t string) bool { return slices.Contains(linked, t) }) {
		return missingMFA(available, policy != MFAMandatory)
	}
	if slices.Contains(s.MFA.Factors, store.FactorBackupCode) && !slices.Contains(linked, store.FactorBackupCode) {
		return ErrBackupCodeRequired
	}
	return nil
}

// commitMFA creates the staged factors and the skip choice in tx.
func (e *Engine) commitMFA(ctx context.Context, tx store.Store, userID string, st *MFAState) error {
	now := e.now()
	if len(st.TOTPSecret) > 0 {
		err := tx.CreateMFAFactor(ctx, &store.MFAFactor{UserID: userID, Type: store.FactorTOTP,
			Secret: st.TOTPSecret, LastTOTPStep: st.TOTPStep, CreatedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return ErrTOTPAlreadyInUse
		}
		if err != nil {
			return fmt.Errorf("create totp factor: %w", err)
		}
	}
	for _, c := range st.WebAuthn {
		err := tx.CreateMFAFactor(ctx, &store.MFAFactor{UserID: userID, Type: store.FactorWebAuthn,
			CredentialID: c.ID, PublicKey: c.PublicKey, SignCount: c.SignCount, Details: c.Details, CreatedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return ErrWebAuthnFailed // the authenticator is registered already
		}
		if err != nil {
			return fmt.Errorf("create webauthn factor: %w", err)
		}
	}
	if len(st.BackupCodeHashes) > 0 {
		// New backup codes replace the old ones (Logto).
		existing, err := tx.ListMFAFactors(ctx, userID)
		if err != nil {
			return fmt.Errorf("list mfa factors: %w", err)
		}
		for _, x := range existing {
			if x.Type == store.FactorBackupCode {
				if err := tx.DeleteMFAFactor(ctx, userID, x.ID); err != nil {
					return fmt.Errorf("replace backup codes: %w", err)
				}
			}
		}
		codes := make([]store.BackupCode, len(st.BackupCodeHashes))
		for i, h := range st.BackupCodeHashes {
			codes[i] = store.BackupCode{Hash: h}
		}
		if err := tx.CreateMFAFactor(ctx, &store.MFAFactor{UserID: userID, Type: store.FactorBackupCode,
			BackupCodes: codes, CreatedAt: now}); err != nil {
			return fmt.Errorf("create backup codes: %w", err)
		}
	}
	if st.Skipped {
		if err := tx.SetMFASkipped(ctx, userID, true); err != nil {
			return fmt.Errorf("record mfa skipped: %w", err)
		}
	}
	return nil
}

// mfaAMR lists the methods proved in this interaction: verified factor
// records of the user and factors bound (RFC 8176).
func (f *Flow) mfaAMR() []string {
	var out []string
	add := func(m string) {
		if m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, r := range f.Records {
		if r.MFA != nil && r.Verified && r.UserID == f.UserID {
			add(r.MFA.AMR)
		}
	}
	if f.MFA.UserID == f.UserID {
		for _, m := range f.MFA.AMR {
			add(m)
		}
	}
	return out
}

// account builds the WebAuthn view of u with their registered credentials.
func (e *Engine) account(ctx context.Context, u *store.User) (mfa.Account, error) {
	acct := mfa.Account{ID: u.ID, Name: displayName(u)}
	factors, err := e.auth.Store.ListMFAFactors(ctx, u.ID)
	if err != nil {
		return acct, fmt.Errorf("list mfa factors: %w", err)
	}
	for _, x := range factors {
		if x.Type == store.FactorWebAuthn {
			acct.Credentials = append(acct.Credentials, mfa.Credential{FactorID: x.ID, ID: x.CredentialID,
				PublicKey: x.PublicKey, SignCount: x.SignCount, Details: x.Details})
		}
	}
	return acct, nil
}

// displayName is how authenticators label the account (Logto's
// getUserDisplayName).
func displayName(u *store.User) string {
	for _, s := range []string{u.Name, u.Username, u.PrimaryEmail, u.PrimaryPhone} {
		if s != "" {
			return s
		}
	}
	return "Unnamed User"
}
