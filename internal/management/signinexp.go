package management

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/signinexp"
)

// mountSignInExp registers Logto's sign-in experience routes.
func (h *Handler) mountSignInExp(mux *http.ServeMux) {
	h.route(mux, "GET /api/sign-in-exp", h.handleGetSignInExp)
	h.route(mux, "PATCH /api/sign-in-exp", h.handlePatchSignInExp)
}

// handleGetSignInExp is GET /api/sign-in-exp: the document in force
// (Logto's defaults until one is saved).
func (h *Handler) handleGetSignInExp(w http.ResponseWriter, r *http.Request) {
	s, err := h.signInExp.Get(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, signinexp.NewDocument(s))
}

// handlePatchSignInExp is PATCH /api/sign-in-exp: replace the top-level
// fields the body names, validate the result as a whole, store it and
// answer the new document. Unknown fields are refused; id and tenantId
// are ignored so a GET answer can be sent back as it is.
func (h *Handler) handlePatchSignInExp(w http.ResponseWriter, r *http.Request) {
	var p signinexp.Patch
	if err := httpapi.DecodeJSON(w, r, &p); err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.signInExp.Update(r.Context(), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if a, ok := AuthFrom(r.Context()); ok {
		h.log.InfoContext(r.Context(), "management: sign-in experience updated", "caller_type", a.Type, "caller", a.ID,
			"request_id", httpapi.RequestIDFrom(r.Context()))
	}
	httpapi.WriteJSON(w, http.StatusOK, signinexp.NewDocument(s))
}
