package experience

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// handleGetInteraction is GET /api/experience/interaction: the sanitized
// state of a started interaction.
func (h *Handler) handleGetInteraction(w http.ResponseWriter, r *http.Request) {
	rec, err := h.load(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := interaction.Load(rec)
	if err == nil && f.Event == "" {
		err = interaction.ErrInteractionNotFound
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, f.Sanitize())
}
