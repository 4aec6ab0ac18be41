package experience

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/connector/social/socialtest"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
)

const socialRedirect = endpoint + "/callback/acme"

// socialEnv is a test env with one OIDC connector "acme" pointing at a
// test IdP.
func socialEnv(t *testing.T) (*testEnv, *socialtest.Provider) {
	t.Helper()
	idp := socialtest.New(t)
	var svc *social.Service
	e := newTestEnv(t, func(c *Config) {
		box, _ := seal.New(bytes.Repeat([]byte{3}, 32))
		svc = &social.Service{Store: c.Store, Box: box}
		withAuth(svc, nil)(c)
	})
	if _, err := svc.CreateOIDC(t.Context(), social.CreateInput{ID: "acme", DiscoveryURL: idp.URL,
		ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}); err != nil {
		t.Fatal(err)
	}
	return e, idp
}

// socialVerify runs authorization-uri → IdP → verify and returns the
// verification ID.
func (e *testEnv) socialVerify(ck *http.Cookie, idp *socialtest.Provider) string {
	e.t.Helper()
	r := e.must(e.call("POST", "/api/experience/verification/social/acme/authorization-uri", ck,
		jsonBody(map[string]string{"state": "ui-state", "redirectUri": socialRedirect})), 200)
	vid, _ := r.body["verificationId"].(string)
	uri, _ := r.body["authorizationUri"].(string)
	q := idp.Callback(e.t, uri)
	data := map[string]string{"redirectUri": socialRedirect}
	for k := range q {
		data[k] = q.Get(k)
	}
	e.must(e.call("POST", "/api/experience/verification/social/acme/verify", ck,
		jsonBody(map[string]any{"connectorData": data, "verificationId": vid})), 200)
	return vid
}

func TestSocialRegisterThenSignIn(t *testing.T) {
	e, idp := socialEnv(t)
	idp.SetUser("sub-ann", map[string]any{"email": "ann@example.com", "email_verified": true, "name": "Ann", "picture": "https://img.example/ann.png"})

	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	vid := e.socialVerify(ck, idp)
	r := e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 404)
	if r.code() != "user.identity_not_exist" || strings.Contains(r.raw, "relatedUser") {
		t.Fatalf("unknown identity: %s", r.raw)
	}
	// The UI switches to Register; the default sign-up asks for a username.
	e.must(e.call("PUT", "/api/experience/interaction-event", ck, `{"interactionEvent":"Register"}`), 204)
	r = e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 422)
	if r.code() != "user.missing_profile" || !strings.Contains(r.raw, `"missingProfile":["username"]`) {
		t.Fatalf("register: %s", r.raw)
	}
	e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"username","value":"ann"}`), 204)
	e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 201)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	res := e.storedInteraction(ck).Result
	if !slices.Equal(res.AMR, []string{"fed"}) {
		t.Fatalf("amr = %v", res.AMR)
	}
	u, err := e.store.GetUserByIdentity(t.Context(), "acme", "sub-ann")
	if err != nil || u.ID != res.UserID || u.Username != "ann" || u.PrimaryEmail != "ann@example.com" ||
		u.Name != "Ann" || u.Avatar != "https://img.example/ann.png" || u.PasswordHash != "" {
		t.Fatalf("user = %+v, %v", u, err)
	}
	var ids map[string]struct {
		UserID string `json:"userId"`
	}
	if json.Unmarshal(u.Identities, &ids); ids["acme"].UserID != "sub-ann" {
		t.Fatalf("identities = %s", u.Identities)
	}

	// Next time the identity signs in at once.
	ck = e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	vid = e.socialVerify(ck, idp)
	e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; res.UserID != u.ID {
		t.Fatalf("signed in as %s, want %s", res.UserID, u.ID)
	}

	// The same identity cannot register a second account.
	ck = e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"Register"}`), 204)
	vid = e.socialVerify(ck, idp)
	wantCode(t, e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 422, "user.identity_already_in_use")
	if strings.Contains(e.logs.String(), idp.ClientSecret) {
		t.Fatal("the client secret reached the log")
	}
}

func TestSocialLinkByVerifiedEmail(t *testing.T) {
	e, idp := socialEnv(t)
	bob := e.register("bob", "bob@example.com", goodPassword)

	// An unverified address is not a link.
	idp.SetUser("sub-bob", map[string]any{"email": "bob@example.com", "email_verified": false})
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	vid := e.socialVerify(ck, idp)
	r := e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 404)
	if strings.Contains(r.raw, "relatedUser") {
		t.Fatalf("unverified e-mail suggested a link: %s", r.raw)
	}
	wantCode(t, e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]any{"verificationId": vid, "linkSocialIdentity": true})), 404, "user.identity_not_exist")

	idp.SetUser("sub-bob", map[string]any{"email": "bob@example.com", "email_verified": true})
	vid = e.socialVerify(ck, idp)
	r = e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 404)
	if !strings.Contains(r.raw, `"relatedUser":{"type":"email","value":"bob@example.com"}`) {
		t.Fatalf("related user: %s", r.raw)
	}
	e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]any{"verificationId": vid, "linkSocialIdentity": true})), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; res.UserID != bob.ID || !slices.Equal(res.AMR, []string{"fed"}) {
		t.Fatalf("result = %+v", res)
	}
	if u, err := e.store.GetUserByIdentity(t.Context(), "acme", "sub-bob"); err != nil || u.ID != bob.ID {
		t.Fatalf("link: %v, %v", u, err)
	}
}

func TestSocialWithMFA(t *testing.T) {
	e, idp := socialEnv(t)
	alice := e.register("alice", "alice@example.com", goodPassword)
	bindCk := e.signIn("alice")
	secret := e.bindTOTP(bindCk)
	e.must(e.call("POST", "/api/experience/submit", bindCk, ""), 200)
	if err := e.store.LinkUserIdentity(t.Context(), &store.UserIdentity{UserID: alice.ID, Target: "acme", IdentityID: "sub-alice"}); err != nil {
		t.Fatal(err)
	}

	idp.SetUser("sub-alice", nil)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	vid := e.socialVerify(ck, idp)
	e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 204)
	wantCode(t, e.call("POST", "/api/experience/submit", ck, ""), 403, "session.mfa.require_mfa_verification")
	e.now = e.now.Add(60e9)
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(secret, 0)})), 200)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; !slices.Equal(res.AMR, []string{"fed", "otp", "mfa"}) {
		t.Fatalf("amr = %v", res.AMR)
	}
}

func TestSocialErrors(t *testing.T) {
	e, idp := socialEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	start := func(state string) (string, url.Values) {
		r := e.must(e.call("POST", "/api/experience/verification/social/acme/authorization-uri", ck,
			jsonBody(map[string]string{"state": state, "redirectUri": socialRedirect})), 200)
		return r.body["verificationId"].(string), idp.Callback(t, r.body["authorizationUri"].(string))
	}
	verify := func(connector, vid string, q url.Values) response {
		data := map[string]string{}
		for k := range q {
			data[k] = q.Get(k)
		}
		return e.call("POST", "/api/experience/verification/social/"+connector+"/verify", ck,
			jsonBody(map[string]any{"connectorData": data, "verificationId": vid}))
	}

	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown connector", "/api/experience/verification/social/nope/authorization-uri", `{"state":"s","redirectUri":"` + socialRedirect + `"}`, 404, "entity.not_found"},
		{"no state", "/api/experience/verification/social/acme/authorization-uri", `{"redirectUri":"` + socialRedirect + `"}`, 400, "guard.invalid_input"},
		{"relative redirect", "/api/experience/verification/social/acme/authorization-uri", `{"state":"s","redirectUri":"/callback"}`, 400, "guard.invalid_input"},
		{"javascript redirect", "/api/experience/verification/social/acme/authorization-uri", `{"state":"s","redirectUri":"javascript:alert(1)"}`, 400, "guard.invalid_input"},
		{"connectorData not an object", "/api/experience/verification/social/acme/verify", `{"connectorData":"x","verificationId":"v"}`, 400, "guard.invalid_input"},
		{"no verificationId", "/api/experience/verification/social/acme/verify", `{"connectorData":{}}`, 404, "session.verification_session_not_found"},
		{"unknown verificationId", "/api/experience/verification/social/acme/verify", `{"connectorData":{},"verificationId":"nope"}`, 404, "session.verification_session_not_found"},
		{"connector id too long", "/api/experience/verification/social/" + strings.Repeat("a", 65) + "/verify", `{"connectorData":{},"verificationId":"v"}`, 400, "guard.invalid_input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, e.call("POST", tc.path, ck, tc.body), tc.status, tc.code)
		})
	}

	t.Run("state mismatch", func(t *testing.T) {
		vid, q := start("s1")
		q.Set("state", "forged")
		wantCode(t, verify("acme", vid, q), 400, "session.verification_failed")
	})
	t.Run("other connector in the path", func(t *testing.T) {
		vid, q := start("s1")
		wantCode(t, verify("other", vid, q), 404, "session.verification_session_not_found")
	})
	t.Run("callback used twice", func(t *testing.T) {
		vid, q := start("s1")
		e.must(verify("acme", vid, q), 200)
		wantCode(t, verify("acme", vid, q), 400, "session.verification_failed")
	})
	t.Run("provider refused", func(t *testing.T) {
		idp.Deny = true
		vid, q := start("s1")
		wantCode(t, verify("acme", vid, q), 400, "connector.authorization_failed")
	})
	t.Run("identification before verify", func(t *testing.T) {
		vid, _ := start("s1")
		wantCode(t, e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]string{"verificationId": vid})), 400, "session.verification_failed")
	})
	t.Run("link outside SignIn", func(t *testing.T) {
		ck2 := e.interaction()
		e.must(e.call("PUT", "/api/experience", ck2, `{"interactionEvent":"Register"}`), 204)
		wantCode(t, e.call("POST", "/api/experience/identification", ck2, `{"verificationId":"x","linkSocialIdentity":true}`), 400, "session.invalid_interaction_type")
	})
	t.Run("social not wired", func(t *testing.T) {
		plain := newTestEnv(t)
		ck := plain.interaction()
		plain.must(plain.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
		wantCode(t, plain.call("POST", "/api/experience/verification/social/acme/authorization-uri", ck,
			`{"state":"s","redirectUri":"`+socialRedirect+`"}`), 404, "entity.not_found")
	})
}
