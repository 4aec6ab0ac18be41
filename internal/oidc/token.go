package oidc

import (
	"net/http"
	"sync"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/oidc/grant"
)

var hdrNoStore = []string{"no-store"}
var hdrNoCache = []string{"no-cache"}

// handleToken is the token endpoint (RFC 6749 §3.2). The steps every grant
// shares run here, once: parse, pick the grant, authenticate the client,
// check the client may use the grant; then the grant runs and the result
// or error is written.
func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauth.WriteJSON(w, &oauth.Error{Code: oauth.CodeInvalidRequest, Description: "the token endpoint only accepts POST",
			Status: http.StatusMethodNotAllowed})
		return
	}
	ctx := r.Context()
	v, err := readParams(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := checkSingle(v, "resource"); err != nil {
		h.writeError(w, r, err)
		return
	}
	gt := v.Get("grant_type")
	if gt == "" {
		h.writeError(w, r, oauth.InvalidRequest("missing required parameter 'grant_type'"))
		return
	}
	g, ok := h.grants[gt]
	if !ok {
		h.writeError(w, r, oauth.UnsupportedGrantType("unsupported grant_type"))
		return
	}
	cred, err := parseClientCredential(r, v)
	if err != nil {
		h.writeClientError(w, r, cred, err)
		return
	}
	// The endpoint URL is only an audience of client assertions: built
	// for those alone.
	var endpoint string
	if cred.assertion != nil {
		endpoint = h.issuer + "/token"
	}
	client, err := h.authenticateClient(ctx, cred, endpoint)
	if err != nil {
		h.writeClientError(w, r, cred, err)
		return
	}
	h.allowCORS(w, r, client)
	if !grant.Allowed(client, gt) {
		h.writeError(w, r, oauth.UnauthorizedClient("the client is not allowed to use this grant_type"))
		return
	}
	if res, ok := v["resource"]; ok {
		v["resource"] = splitResources(res)
	}
	resp, err := g.Exchange(ctx, &grant.Request{Client: client, AuthMethod: cred.method, Params: v})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	// RFC 6749 §5.1: token responses must not be cached.
	hd["Cache-Control"] = hdrNoStore
	hd["Pragma"] = hdrNoCache
	bp := bodyPool.Get().(*[]byte)
	body := resp.AppendJSON((*bp)[:0])
	_, _ = w.Write(body)
	if cap(body) <= 16<<10 {
		*bp = body
		bodyPool.Put(bp)
	}
}

// bodyPool recycles token response buffers: the ResponseWriter copies
// what it is given.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeClientError adds the Basic challenge RFC 6749 §5.2 asks for when a
// client that tried the Authorization header fails authentication.
func (h *Handler) writeClientError(w http.ResponseWriter, r *http.Request, cred clientCredential, err error) {
	oe := h.toOAuth(r.Context(), err)
	if oe.Code == oauth.CodeInvalidClient && cred.method == application.MethodSecretBasic {
		w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse", charset="UTF-8"`)
	}
	oauth.WriteJSON(w, oe)
}
