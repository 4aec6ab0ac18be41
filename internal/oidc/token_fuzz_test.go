package oidc

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenErrorCodes are the error codes the token endpoint may answer
// (RFC 6749 §5.2, RFC 8707 §2, RFC 6750 §3.1).
var tokenErrorCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true, "invalid_target": true,
}

// FuzzTokenRequest posts arbitrary bodies, content types and Authorization
// headers to the token endpoint. Whatever arrives, the answer is a JSON
// object: tokens with 200, or an RFC 6749 error with a 4xx; never a 5xx,
// and never tokens for a client that did not authenticate.
func FuzzTokenRequest(f *testing.F) {
	op := newOP(f, nil)
	form := "application/x-www-form-urlencoded"
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	f.Add("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read", form, basic("m2m", "wrong"))
	f.Add("grant_type=client_credentials&scope=read", form, "")
	f.Add("grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&client_id=spa&code_verifier="+verifier, form, "")
	f.Add("grant_type=refresh_token&refresh_token=abc&client_id=spa", form, "")
	f.Add("grant_type=refresh_token&refresh_token=abc&client_id=web&client_secret=x", form, basic("web", "x"))
	f.Add(`{"grant_type":"client_credentials","client_id":"m2m","client_secret":"x"}`, "application/json", "")
	f.Add(`{"grant_type":["a","b"],"x":{"y":1}}`, "application/json", "")
	f.Add("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJub25lIn0.e30.", form, "")
	f.Add("grant_type=password&username=a&password=b", form, basic("spa", ""))
	f.Add("grant_type=client_credentials&grant_type=client_credentials", form, "Basic !!!")
	f.Add("\x00=\xff", "text/plain", "Bearer x")
	f.Add("", "", "")
	handler := op.srv.Config.Handler

	f.Fuzz(func(t *testing.T, body, contentType, authorization string) {
		req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d, body is not JSON: %q", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK {
			// No seed holds a valid secret, code or refresh token, and the
			// fuzzer cannot guess 256-bit values.
			t.Fatalf("tokens issued for body %q, authorization %q: %v", body, authorization, out)
		}
		code, _ := out["error"].(string)
		if rec.Code != http.StatusTooManyRequests && !tokenErrorCodes[code] {
			t.Fatalf("status %d with error %q (body %q)", rec.Code, code, body)
		}
	})
}
