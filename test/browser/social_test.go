package browser

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/connector/social/socialtest"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestSocialSignIn: a social connector (an OpenID provider run by the
// test) appears as a button; the first sign-in with it creates the
// account (asking for the username the sign-up settings require), the
// second signs in to the same account at once.
func TestSocialSignIn(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	idp := socialtest.New(t)
	idp.SetUser("idp-user-42", map[string]any{"email": "social.user@example.com", "email_verified": true, "name": "Social User"})
	srv := testenv.StartOnLocalhost(t, nil)
	requireRoutes(t, srv,
		"POST /api/experience/verification/social/any/authorization-uri",
		"POST /api/experience/verification/social/any/verify")
	if srv.Social == nil {
		t.Skip("missing API: the server has no social connector service")
	}
	conn, err := srv.Social.CreateOIDC(t.Context(), social.CreateInput{
		Target: "testidp", Name: "Test IdP", DiscoveryURL: idp.URL,
		ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, SyncProfile: true,
	})
	if err != nil {
		t.Fatalf("create connector: %v", err)
	}
	setSignInExp(t, srv, map[string]any{"socialSignInConnectorTargets": []any{"testidp"}})
	b := newTab(t, srv)
	button := `.social-button[data-connector="` + conn.ID + `"]`

	b.signInFromDemo()
	b.page("/sign-in")
	if got := b.text(button); got != "Continue with Test IdP" {
		t.Errorf("social button %q", got)
	}
	b.click(button)
	// The sign-up settings require a username, which the identity
	// provider does not give: user.missing_profile asks for it.
	b.page("/continue/username")
	b.fill("identifier", "social_user")
	b.click("#submit")
	b.demo(true)
	first := b.claims()
	if first["username"] != "social_user" {
		t.Fatalf("claims: %v", first)
	}

	b.signOut()
	b.click("#sign-in")
	b.page("/sign-in")
	b.click(button)
	b.demo(true)
	if again := b.claims(); again["sub"] != first["sub"] {
		t.Fatalf("second social sign-in: sub %v, first %v", again["sub"], first["sub"])
	}
}
