package experience

import (
	"context"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
)

// Bounds of social sign-in inputs.
const (
	maxStateLen       = 512
	maxRedirectURILen = 2048
	maxConnectorData  = 32 // keys
	maxConnectorValue = 4096
)

type socialAuthorizationBody struct {
	State       string `json:"state"`
	RedirectURI string `json:"redirectUri"`
}

type socialAuthorizationResponse struct {
	VerificationID   string `json:"verificationId"`
	AuthorizationURI string `json:"authorizationUri"`
}

// connectorID reads and bounds the path's connector ID.
func connectorID(r *http.Request) (string, error) {
	id := r.PathValue("connectorId")
	if id == "" || len(id) > maxIDLen {
		return "", httpapi.InvalidInput("connectorId is invalid.")
	}
	return id, nil
}

// handleSocialAuthorizationURI is POST
// /api/experience/verification/social/:connectorId/authorization-uri
// {state, redirectUri}: the provider URL to send the browser to. state is
// the UI's own CSRF value, returned to redirectUri by the provider.
func (h *Handler) handleSocialAuthorizationURI(w http.ResponseWriter, r *http.Request) {
	cid, err := connectorID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var b socialAuthorizationBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if b.State == "" || utf8.RuneCountInString(b.State) > maxStateLen {
		h.fail(w, r, httpapi.InvalidInput("state is required (at most 512 characters)."))
		return
	}
	if u, err := url.Parse(b.RedirectURI); err != nil || len(b.RedirectURI) > maxRedirectURILen ||
		(u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
		h.fail(w, r, httpapi.InvalidInput("redirectUri must be an absolute http(s) URL without a fragment."))
		return
	}
	var out socialAuthorizationResponse
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		out.VerificationID, out.AuthorizationURI, err = h.engine.StartSocial(ctx, f, cid, b.State, b.RedirectURI)
		return err
	}); err != nil {
		h.socialFail(w, r, cid, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

type socialVerifyBody struct {
	ConnectorData  map[string]any `json:"connectorData"`
	VerificationID string         `json:"verificationId"`
}

// handleSocialVerify is POST .../social/:connectorId/verify
// {connectorData, verificationId}: connectorData is what the provider sent
// to the callback (code, state, or error). Only string values are read.
func (h *Handler) handleSocialVerify(w http.ResponseWriter, r *http.Request) {
	cid, err := connectorID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var b socialVerifyBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if b.ConnectorData == nil || len(b.ConnectorData) > maxConnectorData {
		h.fail(w, r, httpapi.InvalidInput("connectorData must be an object."))
		return
	}
	if b.VerificationID == "" || len(b.VerificationID) > maxIDLen {
		// Google One Tap, the one case Logto allows without an ID, is not
		// supported.
		h.fail(w, r, interaction.ErrVerificationNotFound)
		return
	}
	data := make(map[string]string, len(b.ConnectorData))
	for k, v := range b.ConnectorData {
		if s, ok := v.(string); ok && len(s) <= maxConnectorValue {
			data[k] = s
		}
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.VerifySocial(ctx, f, cid, b.VerificationID, data)
	}); err != nil {
		h.socialFail(w, r, cid, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: b.VerificationID})
}

// socialFail logs why a provider round trip failed (the client only gets
// a code) and writes the error.
func (h *Handler) socialFail(w http.ResponseWriter, r *http.Request, connectorID string, err error) {
	h.log.WarnContext(r.Context(), "social sign-in step failed", "connector_id", connectorID,
		"request_id", httpapi.RequestIDFrom(r.Context()), "err", err)
	h.fail(w, r, err)
}
