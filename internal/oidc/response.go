package oidc

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

// respond delivers an authorization response (code or error) to the
// client's validated redirect_uri, adding state and iss (RFC 9207 §2, which
// lets the client detect mix-up attacks), by query or form_post.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, ar *store.AuthRequest, params url.Values) {
	if ar.State != "" {
		params.Set("state", ar.State)
	}
	params.Set("iss", h.issuer)
	if ar.ResponseMode == modeFormPost {
		fields := make(map[string]string, len(params))
		for k := range params {
			fields[k] = params.Get(k)
		}
		renderPage(w, http.StatusOK, "formpost", pageData{Title: "Redirecting…", Action: ar.RedirectURI, Fields: fields})
		return
	}
	// The registered URI may carry a query of its own, which must be kept
	// (RFC 6749 §3.1.2).
	sep := "?"
	if strings.Contains(ar.RedirectURI, "?") {
		sep = "&"
	}
	hd := w.Header()
	hd.Set("Location", ar.RedirectURI+sep+params.Encode())
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusFound)
}

// redirectError sends err to the client (OIDC Core §3.1.2.6).
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, ar *store.AuthRequest, err error) {
	oe := h.toOAuth(r.Context(), err)
	p := url.Values{"error": {oe.Code}}
	if oe.Description != "" {
		p.Set("error_description", oe.Description)
	}
	h.respond(w, r, ar, p)
}
