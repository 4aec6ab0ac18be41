package interaction

// Event is what the interaction is for (Logto's InteractionEvent).
type Event string

// Events.
const (
	EventSignIn         Event = "SignIn"
	EventRegister       Event = "Register"
	EventForgotPassword Event = "ForgotPassword"
)

// Valid reports whether e is one of the three events.
func (e Event) Valid() bool {
	switch e {
	case EventSignIn, EventRegister, EventForgotPassword:
		return true
	}
	return false
}
