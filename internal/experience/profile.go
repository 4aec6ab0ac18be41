package experience

import (
	"context"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// profileBody is Logto's profile payload, a union on type:
// {type:"username"|"password", value}, {type:"email"|"phone"|"social",
// verificationId}, {type:"extraProfile", values}.
type profileBody struct {
	Type           string          `json:"type"`
	Value          *string         `json:"value,omitempty"`
	VerificationID *string         `json:"verificationId,omitempty"`
	Values         json.RawMessage `json:"values,omitempty"`
}

func (b profileBody) parse() (interaction.ProfileInput, error) {
	in := interaction.ProfileInput{Type: b.Type}
	switch b.Type {
	case interaction.ProfileUsername, interaction.ProfilePassword:
		if b.Value == nil || b.VerificationID != nil || b.Values != nil {
			return in, httpapi.InvalidInput(`A "` + b.Type + `" profile takes exactly a value.`)
		}
		limit := maxIdentifierLen
		if b.Type == interaction.ProfilePassword {
			limit = maxPasswordLen
		}
		if utf8.RuneCountInString(*b.Value) > limit {
			return in, httpapi.InvalidInput("value is too long.")
		}
		in.Value = *b.Value
	case interaction.ProfileEmail, interaction.ProfilePhone, interaction.ProfileSocial:
		if b.VerificationID == nil || b.Value != nil || b.Values != nil {
			return in, httpapi.InvalidInput(`A "` + b.Type + `" profile takes exactly a verificationId.`)
		}
		if len(*b.VerificationID) > maxIDLen {
			return in, httpapi.InvalidInput("verificationId is too long.")
		}
		in.VerificationID = *b.VerificationID
	case interaction.ProfileExtraProfile:
		return in, httpapi.InvalidInput("Custom profile fields are not supported yet.")
	default:
		return in, httpapi.InvalidInput(`type must be "username", "password", "email", "phone", "social" or "extraProfile".`)
	}
	return in, nil
}

// handleProfile is POST /api/experience/profile: stage a profile field.
// 204.
func (h *Handler) handleProfile(w http.ResponseWriter, r *http.Request) {
	var b profileBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := b.parse()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.SetProfile(ctx, f, in)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
