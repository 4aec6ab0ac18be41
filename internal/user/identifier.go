package user

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Identifier types (Logto's SignInIdentifier).
const (
	IdentifierUsername = "username"
	IdentifierEmail    = "email"
	IdentifierPhone    = "phone"
)

// Length limits are the column sizes of Logto's users table.
const (
	maxUsernameLen = 128
	maxEmailLen    = 128
	maxPhoneLen    = 128
)

var (
	// Logto's usernameRegEx: a letter or underscore, then word characters.
	// JavaScript's \w is ASCII-only, and so is Go's.
	usernameRE = regexp.MustCompile(`^[A-Z_a-z]\w*$`)
	// Logto's emailRegEx: deliberately loose; the address is proven by a
	// verification code, not by syntax.
	emailRE = regexp.MustCompile(`^\S+@\S+\.\S+$`)
	// Logto's phoneRegEx: digits only (E.164 without the plus).
	phoneRE = regexp.MustCompile(`^\d+$`)
)

// ValidateUsername checks Logto's username rule.
func ValidateUsername(s string) error {
	if utf8.RuneCountInString(s) > maxUsernameLen || !usernameRE.MatchString(s) {
		return ErrInvalidUsername
	}
	return nil
}

// NormalizeEmail checks the syntax and returns the address lower-cased, the
// form it is stored and looked up in (e-mail is unique case-insensitively).
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > maxEmailLen || !emailRE.MatchString(s) {
		return "", ErrInvalidEmail
	}
	return s, nil
}

// NormalizePhone checks the syntax of a phone number.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxPhoneLen || !phoneRE.MatchString(s) {
		return "", ErrInvalidPhone
	}
	return s, nil
}
