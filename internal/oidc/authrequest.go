package oidc

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Response modes offered (OAuth 2.0 Multiple Response Types §2.1, Form
// Post Response Mode). fragment is not: it exists for implicit flows.
const (
	modeQuery    = "query"
	modeFormPost = "form_post"
)

// Prompt values (OIDC Core §3.1.2.1) that Logto handles; others are refused.
const (
	promptNone    = "none"
	promptLogin   = "login"
	promptConsent = "consent"
)

// firstScreens are Logto's first_screen values (logto-reference.md §1.11).
var firstScreens = []string{"sign_in", "register", "reset_password", "identifier:sign_in",
	"identifier:register", "single_sign_on", "signIn"}

// authContext is a validated authorization request and its client.
type authContext struct {
	app *store.Application
	req store.AuthRequest
}

// parseAuthRequest validates an authorization request in the order that
// decides where errors go. Until client_id and redirect_uri are trusted it
// returns a nil context and the error is shown as a page (RFC 6749
// §4.1.2.1: never redirect to an unverified URI). After that it returns
// the context, and any error goes back to the client's redirect_uri.
func (h *Handler) parseAuthRequest(ctx context.Context, v url.Values) (*authContext, error) {
	for _, k := range []string{"client_id", "redirect_uri", "response_mode", "state"} {
		if len(v[k]) > 1 {
			return nil, oauth.InvalidRequest("parameter '" + k + "' must not be repeated")
		}
	}
	clientID := v.Get("client_id")
	if clientID == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'client_id'")
	}
	app, err := h.store.GetApplication(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauth.InvalidClient("client not found")
	}
	if err != nil {
		return nil, err
	}
	if app.Type == store.AppMachineToMachine {
		return nil, oauth.UnauthorizedClient("machine-to-machine applications cannot use the authorization endpoint")
	}
	redirectURI := v.Get("redirect_uri")
	if redirectURI == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'redirect_uri'")
	}
	if !oauth.MatchRedirectURI(app.OIDCClientMetadata.RedirectURIs, redirectURI, app.Type == store.AppNative) {
		return nil, oauth.InvalidRequest("redirect_uri did not match any of the client's registered redirect_uris")
	}

	// From here on errors are redirected, with state and iss.
	ac := &authContext{app: app, req: store.AuthRequest{
		ClientID: clientID, RedirectURI: redirectURI, State: v.Get("state"), ResponseMode: modeQuery, MaxAge: -1,
	}}
	switch m := v.Get("response_mode"); m {
	case "", modeQuery:
	case modeFormPost:
		ac.req.ResponseMode = modeFormPost
	default:
		return ac, oauth.InvalidRequest("unsupported response_mode")
	}
	if err := checkSingle(v, "resource"); err != nil {
		return ac, err
	}
	if err := h.parseRest(ctx, v, ac); err != nil {
		return ac, err
	}
	return ac, nil
}

// parseRest validates everything after the redirect target is known.
func (h *Handler) parseRest(ctx context.Context, v url.Values, ac *authContext) error {
	r := &ac.req
	switch rt := v.Get("response_type"); {
	case rt == "":
		return oauth.InvalidRequest("missing required parameter 'response_type'")
	case rt != "code":
		return oauth.UnsupportedResponseType("only response_type=code is supported")
	}
	r.ResponseType = "code"
	if v.Has("request") {
		return oauth.RequestNotSupported("request objects are not supported")
	}
	if v.Has("request_uri") {
		return oauth.RequestURINotSupported("request_uri is not supported")
	}
	r.Scopes = oauth.ParseScope(v.Get("scope"))
	if !oauth.Contains(r.Scopes, token.ScopeOpenID) {
		return oauth.InvalidScope("openid scope must be requested")
	}
	if err := parsePKCE(v, ac); err != nil {
		return err
	}
	prompt, err := parsePrompt(v.Get("prompt"))
	if err != nil {
		return err
	}
	r.Prompt = prompt
	if s := v.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return oauth.InvalidRequest("max_age must be a non-negative integer")
		}
		r.MaxAge = n
	}
	if r.Resources, err = h.checkResources(ctx, splitResources(v["resource"])); err != nil {
		return err
	}
	r.Nonce = v.Get("nonce")
	r.UILocales = v.Get("ui_locales")
	r.LoginHint = v.Get("login_hint")
	r.Identifier = v.Get("identifier")
	r.DirectSignIn = v.Get("direct_sign_in")
	r.OrganizationID = v.Get("organization_id")
	r.FirstScreen = v.Get("first_screen")
	if r.FirstScreen != "" && !oauth.Contains(firstScreens, r.FirstScreen) {
		return oauth.InvalidRequest("unsupported first_screen")
	}
	if r.FirstScreen == "" && v.Get("interaction_mode") == "signUp" {
		r.FirstScreen = "register" // Logto's deprecated interaction_mode
	}
	return nil
}

// parsePKCE applies RFC 7636 with S256 only. PKCE is required for public
// clients and for any client not registered for client_secret_basic
// (Logto's rule); a challenge without a method is refused rather than
// taken as "plain" (RFC 7636 §4.3 default).
func parsePKCE(v url.Values, ac *authContext) error {
	challenge, method := v.Get("code_challenge"), v.Get("code_challenge_method")
	if challenge == "" {
		if method != "" {
			return oauth.InvalidRequest("code_challenge_method without code_challenge")
		}
		if pkceRequired(ac.app) {
			return oauth.InvalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256")
		}
		return nil
	}
	if method != oauth.MethodS256 {
		return oauth.InvalidRequest("code_challenge_method must be S256")
	}
	if !oauth.ValidChallenge(challenge) {
		return oauth.InvalidRequest("code_challenge is malformed")
	}
	ac.req.CodeChallenge, ac.req.CodeChallengeMethod = challenge, method
	return nil
}

func pkceRequired(app *store.Application) bool {
	if application.IsPublic(app) {
		return true
	}
	m := app.OIDCClientMetadata.TokenEndpointAuthMethod
	return m != "" && m != application.MethodSecretBasic
}

func parsePrompt(s string) ([]string, error) {
	p := oauth.ParseScope(s) // same grammar: space-delimited set
	for _, v := range p {
		if v != promptNone && v != promptLogin && v != promptConsent {
			return nil, oauth.InvalidRequest("unsupported prompt value")
		}
	}
	if oauth.Contains(p, promptNone) && len(p) > 1 {
		return nil, oauth.InvalidRequest("prompt=none must not be combined with other values")
	}
	return p, nil
}

// checkResources validates RFC 8707 indicators: absolute URIs without a
// fragment (§2), each a registered API resource (else invalid_target, as
// Logto's getResourceServerInfo answers).
func (h *Handler) checkResources(ctx context.Context, resources []string) ([]string, error) {
	if len(resources) > 20 {
		return nil, oauth.InvalidTarget("too many resource indicators")
	}
	for _, ind := range resources {
		u, err := url.Parse(ind)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(ind, "#") {
			return nil, oauth.InvalidTarget("resource indicator must be an absolute URI without a fragment")
		}
		if _, err := h.store.GetResourceByIndicator(ctx, ind); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, oauth.InvalidTarget("the resource indicator is unknown")
			}
			return nil, err
		}
	}
	return resources, nil
}
