package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// errCaptchaFailed is what Logto answers to a captcha token when no
// captcha provider is configured (none can be, yet).
var errCaptchaFailed = &httpapi.Error{Status: http.StatusUnprocessableEntity, Code: "session.captcha_failed",
	Message: "Captcha verification failed."}

// handleStart is PUT /api/experience: start (or restart) the interaction
// for an event. 204.
func (h *Handler) handleStart(w http.ResponseWriter, r *http.Request) {
	var b eventBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	event, err := b.event()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.CaptchaToken != nil && *b.CaptchaToken != "" {
		h.fail(w, r, errCaptchaFailed)
		return
	}
	// Start only sets fields: no reads or writes of its own.
	always := func(*interaction.Flow) bool { return true }
	if _, err := h.stepInTx(r, always, func(_ context.Context, f *interaction.Flow) error {
		return h.engine.Start(f, event)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
