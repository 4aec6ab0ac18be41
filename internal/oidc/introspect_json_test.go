package oidc

import (
	"encoding/json"
	"testing"
)

func TestIntrospectionAppendJSONMatchesMarshal(t *testing.T) {
	for _, in := range []introspection{
		{},
		{Active: true},
		{Active: true, Scope: "openid profile", ClientID: "c1", TokenType: "Bearer", Exp: 1700000000, Iat: -5,
			Sub: "u<1>&\"x\"", Iss: "http://localhost:3001/oidc", Sid: "s\u2028id\xff"},
		{Active: true, ClientID: "m2m", TokenType: "refresh_token", Exp: 1, Sub: "m2m"},
	} {
		want, _ := json.Marshal(in)
		if got := in.appendJSON(nil); string(got) != string(want) {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
}
