package experience

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/store"
)

type submitResponse struct {
	RedirectTo string `json:"redirectTo"`
}

// handleSubmit is POST /api/experience/submit: finish the interaction and
// answer {redirectTo}, the OP's resume URL, which the browser follows to
// get its session and the authorization response. Any body is ignored, as
// in Logto. A password reset (ForgotPassword) signs nobody in: it answers
// 200 without redirectTo, as Logto does, and the UI returns to sign-in.
func (h *Handler) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var result *store.InteractionResult
	f, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		result, err = h.engine.Submit(ctx, f)
		return err
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if result == nil {
		h.log.InfoContext(r.Context(), "password reset submitted", "interaction_id", f.ID)
		httpapi.WriteJSON(w, http.StatusOK, struct{}{})
		return
	}
	h.log.InfoContext(r.Context(), "interaction submitted", "interaction_id", f.ID,
		"event", string(f.Event), "user_id", f.UserID)
	httpapi.WriteJSON(w, http.StatusOK, submitResponse{RedirectTo: h.issuer + "/auth/" + f.ID})
}
