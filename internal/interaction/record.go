package interaction

// RecordType is a verification record's kind (Logto's VerificationType).
type RecordType string

// Record types implemented so far. Verification codes, social, SSO, TOTP,
// WebAuthn and backup codes add theirs here.
const (
	// RecordPassword proves the user knows the password of Identifier.
	RecordPassword RecordType = "Password"
	// RecordNewPasswordIdentity carries a new username and password for
	// registration, validated but not yet stored.
	RecordNewPasswordIdentity RecordType = "NewPasswordIdentity"
)

// Record is one verification record.
type Record struct {
	ID         string     `json:"id"`
	Type       RecordType `json:"type"`
	Identifier Identifier `json:"identifier"`
	Verified   bool       `json:"verified"`
	// UserID is the account a Password record verified.
	UserID string `json:"userId,omitempty"`
	// PasswordHash is the new password of a NewPasswordIdentity record.
	PasswordHash string `json:"passwordEncrypted,omitempty"`
	// MFA is a Totp, WebAuthn or BackupCode record's data (mfa.go).
	MFA *MFARecord `json:"mfa,omitempty"`
	// Social is a Social record's data (social.go).
	Social *SocialRecord `json:"social,omitempty"`
}
