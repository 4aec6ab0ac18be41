package oidc

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/consent"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Logto's consent API (logto-reference.md §1.13), which the hosted /consent
// page uses and a custom UI written for Logto can use too. It works on the
// interaction named by the browser's interaction cookie, after sign-in.
//
//	GET  /api/interaction/consent  what the app asks and the user has not granted
//	POST /api/interaction/consent  Authorize: store the grant, answer {redirectTo}
//
// The cookie is SameSite=Lax and both routes check the request's origin, so
// another site can neither read the page's data nor authorize for the user.

var (
	errConsentSession = &httpapi.Error{Status: http.StatusBadRequest, Code: "session.not_found",
		Message: "Session not found. Please go back to the application and sign in again."}
	errNotSignedIn = &httpapi.Error{Status: http.StatusBadRequest, Code: "session.not_signed_in",
		Message: "Sign in first."}
	errConsentApp = &httpapi.Error{Status: http.StatusBadRequest, Code: "application.not_found",
		Message: "The application was not found."}
	errConsentUser = &httpapi.Error{Status: http.StatusForbidden, Code: "oidc.access_denied",
		Message: "The account is not available."}
	errCrossOrigin = &httpapi.Error{Status: http.StatusForbidden, Code: "session.cross_origin",
		Message: "The request must come from the sign-in page."}
)

type consentApplication struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	DisplayName      string          `json:"displayName,omitempty"`
	Branding         *store.Branding `json:"branding,omitempty"`
	TermsOfUseURL    string          `json:"termsOfUseUrl,omitempty"`
	PrivacyPolicyURL string          `json:"privacyPolicyUrl,omitempty"`
	IsThirdParty     bool            `json:"isThirdParty"`
}

type consentUser struct {
	ID           string  `json:"id"`
	Name         *string `json:"name"`
	Username     *string `json:"username"`
	Avatar       *string `json:"avatar"`
	PrimaryEmail *string `json:"primaryEmail"`
	PrimaryPhone *string `json:"primaryPhone"`
}

type consentScope struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type consentResource struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Indicator string `json:"indicator"`
}

type consentResourceScopes struct {
	Resource consentResource `json:"resource"`
	Scopes   []consentScope  `json:"scopes"`
}

type consentInfo struct {
	Application           consentApplication      `json:"application"`
	User                  consentUser             `json:"user"`
	RedirectURI           string                  `json:"redirectUri"`
	MissingOIDCScope      []string                `json:"missingOIDCScope"`
	MissingResourceScopes []consentResourceScopes `json:"missingResourceScopes"`
	// Organizations come with the organizations issue; until then the
	// list is always empty.
	Organizations []any `json:"organizations"`
}

// consentInteraction loads the signed-in interaction of the request and
// its app and user.
func (h *Handler) consentInteraction(r *http.Request) (*store.Interaction, *store.Application, *store.User, error) {
	ctx := r.Context()
	uid := h.cookies.Get(r, cookie.Interaction)
	if uid == "" {
		return nil, nil, nil, errConsentSession
	}
	it, err := h.store.GetInteraction(ctx, uid, h.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, errConsentSession
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if it.Result == nil || it.Result.UserID == "" {
		return nil, nil, nil, errNotSignedIn
	}
	app, err := h.store.GetApplication(ctx, it.Request.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, errConsentApp
	}
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := h.store.GetUser(ctx, it.Result.UserID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.IsSuspended {
		return nil, nil, nil, errConsentUser
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return it, app, u, nil
}

func (h *Handler) consentFail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, h.log, err, nil)
}

// handleGetConsent is GET /api/interaction/consent.
func (h *Handler) handleGetConsent(w http.ResponseWriter, r *http.Request) {
	if !httpapi.SameOrigin(r, originOf(h.endpoint)) {
		h.consentFail(w, r, errCrossOrigin)
		return
	}
	it, app, u, err := h.consentInteraction(r)
	if err != nil {
		h.consentFail(w, r, err)
		return
	}
	m, err := h.consent.Missing(r.Context(), consentRequest(&it.Request, u.ID))
	if err != nil {
		h.consentFail(w, r, err)
		return
	}
	info := consentInfo{
		Application: consentApplication{ID: app.ID, Name: app.Name, DisplayName: app.Branding.DisplayName,
			TermsOfUseURL: app.Branding.TermsOfUseURL, PrivacyPolicyURL: app.Branding.PrivacyPolicyURL,
			IsThirdParty: app.IsThirdParty},
		User: consentUser{ID: u.ID, Name: optional(u.Name), Username: optional(u.Username), Avatar: optional(u.Avatar),
			PrimaryEmail: optional(u.PrimaryEmail), PrimaryPhone: optional(u.PrimaryPhone)},
		RedirectURI:           it.Request.RedirectURI,
		MissingOIDCScope:      append([]string{}, m.OIDCScopes...),
		MissingResourceScopes: []consentResourceScopes{},
		Organizations:         []any{},
	}
	if app.Branding != (store.Branding{}) {
		b := app.Branding
		info.Application.Branding = &b
	}
	for _, rs := range m.ResourceScopes {
		out := consentResourceScopes{Resource: consentResource{ID: rs.Resource.ID, Name: rs.Resource.Name,
			Indicator: rs.Resource.Indicator}, Scopes: []consentScope{}}
		for _, sc := range rs.Scopes {
			out.Scopes = append(out.Scopes, consentScope{ID: sc.ID, Name: sc.Name, Description: sc.Description})
		}
		info.MissingResourceScopes = append(info.MissingResourceScopes, out)
	}
	httpapi.WriteJSON(w, http.StatusOK, info)
}

type consentBody struct {
	OrganizationIDs []string `json:"organizationIds,omitempty"`
}

// handlePostConsent is POST /api/interaction/consent: the user clicked
// Authorize. Every grantable permission requested is granted (never one
// the user does not hold), the interaction remembers that consent was
// given, and the browser goes back to the OP's resume URL for the code.
func (h *Handler) handlePostConsent(w http.ResponseWriter, r *http.Request) {
	if !httpapi.SameOrigin(r, originOf(h.endpoint)) {
		h.consentFail(w, r, errCrossOrigin)
		return
	}
	var b consentBody
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, &b); err != nil {
			h.consentFail(w, r, err)
			return
		}
	}
	if len(b.OrganizationIDs) > 0 {
		h.consentFail(w, r, httpapi.InvalidInput("organizations are not supported yet"))
		return
	}
	it, app, u, err := h.consentInteraction(r)
	if err != nil {
		h.consentFail(w, r, err)
		return
	}
	ctx := r.Context()
	if consent.Required(app) {
		if _, err := h.consent.Grant(ctx, consentRequest(&it.Request, u.ID)); err != nil {
			h.consentFail(w, r, err)
			return
		}
	}
	_, err = h.store.UpdateInteraction(ctx, it.ID, h.now(), func(cur *store.Interaction) error {
		// The interaction must still be the one whose data was shown.
		if cur.Result == nil || subtle.ConstantTimeCompare([]byte(cur.Result.UserID), []byte(u.ID)) != 1 {
			return errNotSignedIn
		}
		cur.Request.ConsentGiven = true
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		err = errConsentSession
	}
	if err != nil {
		h.consentFail(w, r, err)
		return
	}
	h.log.InfoContext(ctx, "consent granted", "client_id", app.ID, "user_id", u.ID)
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"redirectTo": h.issuer + "/auth/" + it.ID})
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
