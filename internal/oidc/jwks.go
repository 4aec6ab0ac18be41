package oidc

import "net/http"

// handleJWKS serves the key manager's pre-encoded JWK Set; a rotation or
// reload swaps the bytes, nothing is computed per request. Like Logto it
// asks caches to revalidate, so a rotation is seen at once.
func (h *Handler) handleJWKS(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	hd["Access-Control-Allow-Origin"] = hdrAnyOrig
	hd["Cache-Control"] = hdrJWKSCache
	body := h.keys.JWKS()
	hd["Content-Length"] = jwksLen.of(body)
	_, _ = w.Write(body)
}
