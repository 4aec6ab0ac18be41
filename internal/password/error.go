package password

// RejectedError is a password that does not meet the policy. Its code and
// data are Logto's (`password.rejected`, `{"issues": [...]}`), so a sign-in
// UI written for Logto can show the reasons.
type RejectedError struct {
	Issues []Issue
}

func (e *RejectedError) Error() string { return "password rejected by policy" }

// ErrorCode is the API error code.
func (e *RejectedError) ErrorCode() string { return "password.rejected" }

// ErrorData is the API error data.
func (e *RejectedError) ErrorData() any { return map[string]any{"issues": e.Issues} }

// ErrorMessage is the sentence shown to the user.
func (e *RejectedError) ErrorMessage() string {
	return "The password does not meet the password policy."
}
