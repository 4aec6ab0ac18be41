package management

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// mountConnectors registers Logto's /api/connectors routes for social
// connectors (the generic OIDC factory, connectorId "oidc").
func (h *Handler) mountConnectors(mux *http.ServeMux) {
	h.route(mux, "GET /api/connectors", h.handleListConnectors)
	h.route(mux, "POST /api/connectors", h.handleCreateConnector)
	h.route(mux, "GET /api/connectors/{id}", h.handleGetConnector)
	h.route(mux, "PATCH /api/connectors/{id}", h.handlePatchConnector)
	h.route(mux, "DELETE /api/connectors/{id}", h.handleDeleteConnector)
}

// connectorConfig is the OIDC factory's config: what it is created with
// and what it answers. The client secret is write-only.
type connectorConfig struct {
	DiscoveryURL string  `json:"discoveryUrl,omitempty"`
	Issuer       string  `json:"issuer,omitempty"`
	ClientID     string  `json:"clientId"`
	ClientSecret *string `json:"clientSecret,omitempty"`
	Scope        string  `json:"scope,omitempty"`
}

// connectorMetadata is the part of Logto's metadata a connector instance
// sets.
type connectorMetadata struct {
	Target string            `json:"target,omitempty"`
	Name   map[string]string `json:"name,omitempty"`
	Logo   string            `json:"logo,omitempty"`
}

// connectorJSON is a connector in Logto's shape.
type connectorJSON struct {
	ID          string            `json:"id"`
	ConnectorID string            `json:"connectorId"`
	Type        string            `json:"type"`
	Target      string            `json:"target"`
	SyncProfile bool              `json:"syncProfile"`
	Config      connectorConfig   `json:"config"`
	Metadata    connectorMetadata `json:"metadata"`
	CreatedAt   int64             `json:"createdAt"`
	UpdatedAt   int64             `json:"updatedAt"`
}

func toConnectorJSON(c *social.Connector) connectorJSON {
	return connectorJSON{
		ID: c.ID, ConnectorID: c.FactoryID, Type: "Social", Target: c.Target, SyncProfile: c.SyncProfile,
		Config:    connectorConfig{Issuer: c.Config.Issuer, ClientID: c.Config.ClientID, Scope: c.Config.Scope},
		Metadata:  connectorMetadata{Target: c.Target, Name: map[string]string{"en": c.Name}, Logo: c.Logo},
		CreatedAt: c.CreatedAt.UnixMilli(), UpdatedAt: c.UpdatedAt.UnixMilli(),
	}
}

// handleListConnectors is GET /api/connectors.
func (h *Handler) handleListConnectors(w http.ResponseWriter, r *http.Request) {
	list, err := h.social.List(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]connectorJSON, 0, len(list))
	for i := range list {
		out = append(out, toConnectorJSON(&list[i]))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

type createConnectorBody struct {
	ID          string             `json:"id,omitempty"`
	ConnectorID string             `json:"connectorId"`
	Config      connectorConfig    `json:"config"`
	Metadata    *connectorMetadata `json:"metadata,omitempty"`
	SyncProfile bool               `json:"syncProfile,omitempty"`
}

// handleCreateConnector is POST /api/connectors {connectorId: "oidc",
// config: {discoveryUrl, clientId, clientSecret, scope}, metadata:
// {target, name, logo}, syncProfile}.
func (h *Handler) handleCreateConnector(w http.ResponseWriter, r *http.Request) {
	var b createConnectorBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if b.ConnectorID != social.FactoryOIDC {
		h.fail(w, r, &httpapi.Error{Status: http.StatusNotFound, Code: "entity.not_found",
			Message: `Only the "oidc" connector factory is available.`})
		return
	}
	in := social.CreateInput{ID: b.ID, DiscoveryURL: b.Config.DiscoveryURL, ClientID: b.Config.ClientID,
		Scope: b.Config.Scope, SyncProfile: b.SyncProfile}
	if in.DiscoveryURL == "" {
		in.DiscoveryURL = b.Config.Issuer
	}
	if b.Config.ClientSecret != nil {
		in.ClientSecret = *b.Config.ClientSecret
	}
	if m := b.Metadata; m != nil {
		in.Target, in.Name, in.Logo = m.Target, m.Name["en"], m.Logo
	}
	c, err := h.social.CreateOIDC(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.auditConnector(r, "management: social connector created", c.ID)
	httpapi.WriteJSON(w, http.StatusOK, toConnectorJSON(c))
}

// handleGetConnector is GET /api/connectors/{id}.
func (h *Handler) handleGetConnector(w http.ResponseWriter, r *http.Request) {
	c, err := h.social.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, toConnectorJSON(c))
}

type patchConnectorBody struct {
	Config *struct {
		DiscoveryURL *string `json:"discoveryUrl,omitempty"`
		Issuer       *string `json:"issuer,omitempty"`
		ClientID     *string `json:"clientId,omitempty"`
		ClientSecret *string `json:"clientSecret,omitempty"`
		Scope        *string `json:"scope,omitempty"`
	} `json:"config,omitempty"`
	Metadata *struct {
		Name map[string]string `json:"name,omitempty"`
		Logo *string           `json:"logo,omitempty"`
	} `json:"metadata,omitempty"`
	SyncProfile *bool `json:"syncProfile,omitempty"`
}

// handlePatchConnector is PATCH /api/connectors/{id}: change the fields
// given (the target is fixed once created).
func (h *Handler) handlePatchConnector(w http.ResponseWriter, r *http.Request) {
	var b patchConnectorBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	in := social.UpdateInput{SyncProfile: b.SyncProfile}
	if c := b.Config; c != nil {
		in.DiscoveryURL, in.ClientID, in.ClientSecret, in.Scope = c.DiscoveryURL, c.ClientID, c.ClientSecret, c.Scope
		if in.DiscoveryURL == nil {
			in.DiscoveryURL = c.Issuer
		}
	}
	if m := b.Metadata; m != nil {
		if name, ok := m.Name["en"]; ok {
			in.Name = &name
		}
		in.Logo = m.Logo
	}
	c, err := h.social.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.auditConnector(r, "management: social connector updated", c.ID)
	httpapi.WriteJSON(w, http.StatusOK, toConnectorJSON(c))
}

// handleDeleteConnector is DELETE /api/connectors/{id}. 204.
func (h *Handler) handleDeleteConnector(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.social.Delete(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.auditConnector(r, "management: social connector deleted", id)
	httpapi.NoContent(w)
}

// auditConnector logs who changed a connector (never its secret).
func (h *Handler) auditConnector(r *http.Request, msg, connectorID string) {
	if a, ok := AuthFrom(r.Context()); ok {
		h.log.InfoContext(r.Context(), msg, "connector_id", connectorID, "caller_type", a.Type, "caller", a.ID,
			"request_id", httpapi.RequestIDFrom(r.Context()))
	}
}
