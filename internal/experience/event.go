package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// handleSetEvent is PUT /api/experience/interaction-event: switch between
// SignIn and Register. 204.
func (h *Handler) handleSetEvent(w http.ResponseWriter, r *http.Request) {
	var b eventBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if b.CaptchaToken != nil {
		h.fail(w, r, httpapi.InvalidInput(`The request body is invalid: unknown field "captchaToken".`))
		return
	}
	event, err := b.event()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.SetEvent(ctx, f, event)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
