package password

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Policy is Logto's password policy (sign-in experience passwordPolicy),
// with the same JSON shape so the Management API can store it as is.
type Policy struct {
	Length         LengthRule        `json:"length"`
	CharacterTypes CharacterTypeRule `json:"characterTypes"`
	Rejects        RejectRule        `json:"rejects"`
}

// LengthRule bounds the number of characters.
type LengthRule struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// CharacterTypeRule asks for a number (1–4) of the four character types:
// lower-case, upper-case, digits and Symbols.
type CharacterTypeRule struct {
	Min int `json:"min"`
}

// RejectRule lists what passwords to refuse.
type RejectRule struct {
	// Pwned refuses passwords on the embedded common-password list.
	Pwned bool `json:"pwned"`
	// RepetitionAndSequence refuses passwords made mostly of runs like
	// "aaaa", "1234" or "qwerty".
	RepetitionAndSequence bool `json:"repetitionAndSequence"`
	// UserInfo refuses passwords containing the user's name, username,
	// e-mail local part or phone number.
	UserInfo bool `json:"userInfo"`
	// Words refuses passwords made mostly of these words.
	Words []string `json:"words"`
}

// DefaultPolicy is Logto's default: 8–256 characters, one character type,
// every rejection on, no custom words.
func DefaultPolicy() Policy {
	return Policy{
		Length:         LengthRule{Min: 8, Max: 256},
		CharacterTypes: CharacterTypeRule{Min: 1},
		Rejects:        RejectRule{Pwned: true, RepetitionAndSequence: true, UserInfo: true, Words: []string{}},
	}
}

// Symbols are the characters Logto counts as the fourth character type
// (printable ASCII punctuation and space). Anything outside the four types
// is refused as unsupported, as Logto does, so a password typed on one
// keyboard layout can always be typed on another.
const Symbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "

// UserInfo is what the password must not contain when Rejects.UserInfo is on.
type UserInfo struct {
	Name     string
	Username string
	Email    string
	Phone    string
}

// Issue is one reason a password is refused, in Logto's shape: codes are
// "password_rejected.<reason>" and Interpolation fills the message.
type Issue struct {
	Code          string         `json:"code"`
	Interpolation map[string]any `json:"interpolation,omitempty"`
}

// Issue codes, as Logto names them.
const (
	IssueTooShort              = "password_rejected.too_short"
	IssueTooLong               = "password_rejected.too_long"
	IssueCharacterTypes        = "password_rejected.character_types"
	IssueUnsupportedCharacters = "password_rejected.unsupported_characters"
	IssuePwned                 = "password_rejected.pwned"
	IssueRepetition            = "password_rejected.restricted.repetition"
	IssueSequence              = "password_rejected.restricted.sequence"
	IssueUserInfo              = "password_rejected.restricted.user_info"
	IssueWords                 = "password_rejected.restricted.words"
)

// Validate returns nil when password meets the policy, or a *RejectedError
// listing every issue.
func (p Policy) Validate(password string, info UserInfo) error {
	if issues := p.Check(password, info); len(issues) > 0 {
		return &RejectedError{Issues: issues}
	}
	return nil
}

// Check lists the policy issues of password (empty when it is accepted).
func (p Policy) Check(password string, info UserInfo) []Issue {
	p = p.normalized()
	var issues []Issue
	n := utf8.RuneCountInString(password)
	switch {
	case n < p.Length.Min:
		issues = append(issues, Issue{Code: IssueTooShort, Interpolation: map[string]any{"min": p.Length.Min}})
	case n > p.Length.Max:
		issues = append(issues, Issue{Code: IssueTooLong, Interpolation: map[string]any{"max": p.Length.Max}})
	}
	switch types, ok := characterTypes(password); {
	case !ok:
		issues = append(issues, Issue{Code: IssueUnsupportedCharacters})
	case types < p.CharacterTypes.Min:
		issues = append(issues, Issue{Code: IssueCharacterTypes, Interpolation: map[string]any{"min": p.CharacterTypes.Min}})
	}
	if p.Rejects.Pwned && IsCommon(password) {
		issues = append(issues, Issue{Code: IssuePwned})
	}
	issues = append(issues, p.restricted(password)...)
	if p.Rejects.UserInfo && containsUserInfo(password, info) {
		issues = append(issues, Issue{Code: IssueUserInfo})
	}
	return issues
}

func (p Policy) normalized() Policy {
	if p.Length.Min < 1 {
		p.Length.Min = 1
	}
	if p.Length.Max < p.Length.Min {
		p.Length.Max = max(p.Length.Min, 256)
	}
	p.CharacterTypes.Min = min(max(p.CharacterTypes.Min, 1), 4)
	return p
}

// characterTypes counts the character types in s; ok is false when s has a
// character outside all four.
func characterTypes(s string) (types int, ok bool) {
	var lower, upper, digit, symbol bool
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < unicode.MaxASCII && strings.ContainsRune(Symbols, r):
			symbol = true
		default:
			return 0, false
		}
	}
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			types++
		}
	}
	return types, true
}

// containsUserInfo reports whether the password contains any of the user's
// identifiers (case-insensitively). This is stricter than Logto, which only
// refuses a password made almost entirely of them: an identifier is public,
// so any password built around it is the first thing an attacker tries.
// Pieces shorter than three characters are ignored, or "al" in "alice"
// would forbid half the dictionary.
func containsUserInfo(password string, info UserInfo) bool {
	pw := strings.ToLower(password)
	var pieces []string
	if name := strings.TrimSpace(info.Name); name != "" {
		pieces = append(pieces, strings.Join(strings.Fields(name), ""))
		pieces = append(pieces, strings.Fields(name)...)
	}
	pieces = append(pieces, info.Username, info.Phone)
	if local, _, ok := strings.Cut(info.Email, "@"); ok {
		pieces = append(pieces, local)
	}
	for _, piece := range pieces {
		if utf8.RuneCountInString(piece) >= 3 && strings.Contains(pw, strings.ToLower(piece)) {
			return true
		}
	}
	return false
}
