package experience

import (
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// Input bounds. They are far above any legitimate value and only stop
// abuse (argon2 over a megabyte, state rows bloated by huge identifiers).
const (
	maxIdentifierLen = 256  // characters
	maxPasswordLen   = 1024 // characters; the policy caps new ones at 256
	maxIDLen         = 64
)

// identifierBody is Logto's {type, value} identifier.
type identifierBody struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// credentialBody is the body of verification/password and
// verification/new-password-identity.
type credentialBody struct {
	Identifier *identifierBody `json:"identifier"`
	Password   *string         `json:"password"`
}

// parse checks presence and bounds; the engine checks meaning.
func (b credentialBody) parse() (interaction.Identifier, string, error) {
	switch {
	case b.Identifier == nil:
		return interaction.Identifier{}, "", httpapi.InvalidInput("identifier is required.")
	case b.Password == nil:
		return interaction.Identifier{}, "", httpapi.InvalidInput("password is required.")
	case b.Identifier.Value == "" || utf8.RuneCountInString(b.Identifier.Value) > maxIdentifierLen:
		return interaction.Identifier{}, "", httpapi.InvalidInput("identifier.value is empty or too long.")
	case *b.Password == "" || utf8.RuneCountInString(*b.Password) > maxPasswordLen:
		return interaction.Identifier{}, "", httpapi.InvalidInput("password is empty or too long.")
	}
	switch b.Identifier.Type {
	case "username", "email", "phone":
	default:
		return interaction.Identifier{}, "", httpapi.InvalidInput(`identifier.type must be "username", "email" or "phone".`)
	}
	return interaction.Identifier{Type: b.Identifier.Type, Value: b.Identifier.Value}, *b.Password, nil
}

// eventBody is the body of PUT /api/experience and .../interaction-event.
type eventBody struct {
	InteractionEvent string `json:"interactionEvent"`
	// CaptchaToken is accepted on PUT /api/experience only.
	CaptchaToken *string `json:"captchaToken,omitempty"`
}

func (b eventBody) event() (interaction.Event, error) {
	e := interaction.Event(b.InteractionEvent)
	if !e.Valid() {
		return "", httpapi.InvalidInput(`interactionEvent must be "SignIn", "Register" or "ForgotPassword".`)
	}
	return e, nil
}
