package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

type submitResponse struct {
	RedirectTo string `json:"redirectTo"`
}

// handleSubmit is POST /api/experience/submit: finish the interaction and
// answer {redirectTo}, the OP's resume URL, which the browser follows to
// get its session and the authorization response. Any body is ignored, as
// in Logto.
func (h *Handler) handleSubmit(w http.ResponseWriter, r *http.Request) {
	f, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		_, err := h.engine.Submit(ctx, f)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.InfoContext(r.Context(), "interaction submitted", "interaction_id", f.ID,
		"event", string(f.Event), "user_id", f.UserID)
	httpapi.WriteJSON(w, http.StatusOK, submitResponse{RedirectTo: h.issuer + "/auth/" + f.ID})
}
