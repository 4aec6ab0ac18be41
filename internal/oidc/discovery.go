package oidc

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oidc/grant"
	"github.com/gatehouse/gatehouse/internal/token"
)

// discoveryDoc lists exactly what this OP implements (OIDC Discovery §3,
// RFC 8414 §2): no implicit or hybrid response types, S256 only, no request
// objects, no claims parameter.
type discoveryDoc struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionAuthMethods          []string `json:"introspection_endpoint_auth_methods_supported"`
	IntrospectionAuthSigningAlgs      []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	RevocationAuthMethods             []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationAuthSigningAlgs         []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	ClaimTypesSupported               []string `json:"claim_types_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported"`
	BackchannelLogoutSupported        bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported bool     `json:"backchannel_logout_session_supported"`
}

// authMethods are the client authentication methods (OIDC Core §9).
var authMethods = []string{application.MethodSecretBasic, application.MethodSecretPost, application.MethodSecretJWT,
	application.MethodPrivateKeyJWT, application.MethodNone}

// buildDiscovery encodes the document once; requests only copy bytes.
func (h *Handler) buildDiscovery() []byte {
	doc := discoveryDoc{
		Issuer:                            h.issuer,
		AuthorizationEndpoint:             h.issuer + "/auth",
		TokenEndpoint:                     h.issuer + "/token",
		UserinfoEndpoint:                  h.issuer + "/me",
		JWKSURI:                           h.issuer + "/jwks",
		EndSessionEndpoint:                h.issuer + "/session/end",
		IntrospectionEndpoint:             h.issuer + "/token/introspection",
		RevocationEndpoint:                h.issuer + "/token/revocation",
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{modeQuery, modeFormPost},
		GrantTypesSupported:               []string{grant.TypeAuthorizationCode, grant.TypeRefreshToken, grant.TypeClientCredentials},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  h.keys.Algorithms(),
		TokenEndpointAuthMethodsSupported: authMethods,
		TokenEndpointAuthSigningAlgs:      assertionAlgs,
		// Introspection needs a confidential client (no "none").
		IntrospectionAuthMethods:          authMethods[:4],
		IntrospectionAuthSigningAlgs:      assertionAlgs,
		RevocationAuthMethods:             authMethods,
		RevocationAuthSigningAlgs:         assertionAlgs,
		CodeChallengeMethodsSupported:     []string{"S256"},
		ScopesSupported:                   token.OIDCScopes,
		ClaimsSupported:                   token.ClaimsSupported,
		ClaimTypesSupported:               []string{"normal"},
		PromptValuesSupported:             []string{"none", "login", "consent"},
		AuthorizationResponseISSSupported: true,
		BackchannelLogoutSupported:        true,
		BackchannelLogoutSessionSupported: true,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // static types: cannot fail
	}
	return b
}

var (
	hdrJSON      = []string{"application/json; charset=utf-8"}
	hdrAnyOrig   = []string{"*"}
	hdrJWKSCache = []string{"no-cache, max-age=0, must-revalidate"}
)

// handleDiscovery serves the pre-encoded document. It is public, so any
// origin may read it (spec/oidc.md CORS).
func (h *Handler) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd["Content-Type"] = hdrJSON
	hd["Access-Control-Allow-Origin"] = hdrAnyOrig
	hd["Content-Length"] = discoveryLen.of(h.discovery)
	_, _ = w.Write(h.discovery)
}

// contentLength caches the Content-Length value of one pre-encoded body.
// Set explicitly, it spares net/http from chunking bodies over 2 KiB (the
// discovery document is ~2.5 KiB: without it every response was chunked)
// and from formatting the length per request. The entry keeps its body
// alive, so a body at the same address and length is the same body.
type contentLength struct{ p atomic.Pointer[lengthEntry] }

type lengthEntry struct {
	body []byte
	cl   []string
}

var discoveryLen, jwksLen contentLength

func (c *contentLength) of(body []byte) []string {
	if e := c.p.Load(); e != nil && len(e.body) == len(body) && (len(body) == 0 || &e.body[0] == &body[0]) {
		return e.cl
	}
	e := &lengthEntry{body: body, cl: []string{strconv.Itoa(len(body))}}
	c.p.Store(e)
	return e.cl
}
