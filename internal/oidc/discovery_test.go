package oidc

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestDiscoveryAndJWKS(t *testing.T) {
	op := newOP(t, nil)
	c := http.DefaultClient
	a := get(t, c, op.issuer+"/.well-known/openid-configuration")
	b := get(t, c, op.srv.URL+"/.well-known/openid-configuration")
	da, db := body(t, a), body(t, b)
	if a.StatusCode != 200 || da != db {
		t.Fatal("the two discovery paths differ")
	}
	if a.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatal("discovery must be readable from any origin")
	}
	var doc map[string]any
	must(t, json.Unmarshal([]byte(da), &doc))
	want := map[string]any{"issuer": op.issuer, "authorization_endpoint": op.issuer + "/auth",
		"token_endpoint": op.issuer + "/token", "userinfo_endpoint": op.issuer + "/me", "jwks_uri": op.issuer + "/jwks",
		"end_session_endpoint": op.issuer + "/session/end", "authorization_response_iss_parameter_supported": true,
		"request_parameter_supported": false, "claims_parameter_supported": false}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	list := func(k string) string { b, _ := json.Marshal(doc[k]); return string(b) }
	for k, v := range map[string]string{
		"response_types_supported":                      `["code"]`,
		"response_modes_supported":                      `["query","form_post"]`,
		"code_challenge_methods_supported":              `["S256"]`,
		"grant_types_supported":                         `["authorization_code","refresh_token","client_credentials"]`,
		"id_token_signing_alg_values_supported":         `["ES256","RS256"]`,
		"token_endpoint_auth_methods_supported":         `["client_secret_basic","client_secret_post","client_secret_jwt","private_key_jwt","none"]`,
		"introspection_endpoint_auth_methods_supported": `["client_secret_basic","client_secret_post","client_secret_jwt","private_key_jwt"]`,
	} {
		if list(k) != v {
			t.Errorf("%s = %s, want %s", k, list(k), v)
		}
	}

	j := get(t, c, op.issuer+"/jwks")
	if j.StatusCode != 200 || j.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatal("jwks headers")
	}
	var set jose.JSONWebKeySet
	must(t, json.Unmarshal([]byte(body(t, j)), &set))
	if len(set.Keys) != 3 || !set.Keys[0].IsPublic() || set.Keys[0].Algorithm != "ES256" {
		t.Fatalf("jwks %+v", set.Keys)
	}
	// Rotation changes the served JWKS without rebuilding the handler.
	must(t, op.keys.Rotate(t.Context()))
	must(t, json.Unmarshal([]byte(body(t, get(t, c, op.issuer+"/jwks"))), &set))
	if len(set.Keys) != 4 {
		t.Fatalf("after rotation %d keys", len(set.Keys))
	}
}

func TestUnknownRoute(t *testing.T) {
	op := newOP(t, nil)
	for _, p := range []string{"/oidc/nope", "/oidc/", "/oidc/token/introspection/x"} {
		resp := get(t, http.DefaultClient, op.srv.URL+p)
		var m map[string]string
		_ = json.Unmarshal([]byte(body(t, resp)), &m)
		if resp.StatusCode != 404 || m["error"] != "invalid_request" {
			t.Errorf("%s: %d %v", p, resp.StatusCode, m)
		}
	}
}
