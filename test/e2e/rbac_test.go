package e2e

import (
	"net/url"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/rbac"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestResourcesAndRBAC: API resources with scopes, User and
// MachineToMachine roles and their assignment. RFC 8707 resource on the
// authorization request and on refresh-token requests yields a JWT access
// token with aud = the indicator, the resource's TTL, and only the
// requested scopes the subject holds; client_credentials likewise. A role
// change made through this node is seen at once despite the read cache.
func TestResourcesAndRBAC(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		rb := &rbac.Service{Store: srv.Store}
		api, err := rb.CreateResource(ctx, "Orders", "https://orders.example.com", 900)
		must(t, err)
		other, err := rb.CreateResource(ctx, "Billing", "https://billing.example.com", 0)
		must(t, err)
		read, _ := rb.CreateScope(ctx, api.ID, "read:orders", "Read orders")
		write, _ := rb.CreateScope(ctx, api.ID, "write:orders", "Write orders")
		pay, _ := rb.CreateScope(ctx, other.ID, "pay", "")
		reader, err := rb.CreateRole(ctx, "reader", "", store.RoleUser, read.ID, pay.ID)
		must(t, err)
		writer, err := rb.CreateRole(ctx, "writer", "", store.RoleUser, write.ID)
		must(t, err)
		robot, err := rb.CreateRole(ctx, "robot", "", store.RoleMachineToMachine, write.ID)
		must(t, err)
		if _, err := rb.CreateResource(ctx, "dup", api.Indicator, 0); err == nil {
			t.Fatal("duplicate indicator accepted")
		}
		if _, err := rb.CreateResource(ctx, "frag", "https://x.example/#f", 0); err == nil {
			t.Fatal("indicator with a fragment accepted")
		}

		web := newRP(t, srv, application.CreateInput{Type: store.AppTraditional},
			oidc.ScopeOpenID, oidc.ScopeOfflineAccess, "read:orders", "write:orders", "pay")
		b := testenv.NewBrowser(t, srv.URL)
		q := web.authorize(b, append(offline, setParam("resource", api.Indicator+","+other.Indicator))...)
		idTok := web.idToken(web.exchange(q))
		must(t, rb.AssignUserRoles(ctx, idTok.Subject, reader.ID))
		if err := rb.AssignUserRoles(ctx, idTok.Subject, robot.ID); err == nil {
			t.Fatal("a MachineToMachine role was assigned to a user")
		}
		// Now with the role held: a new code for both resources.
		q = web.authorize(b, append(offline, setParam("resource", api.Indicator+","+other.Indicator))...)
		tok := web.exchange(q)
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		// Two resources and none chosen: the access token is for the OP.
		if st, _ := userinfoStatus(t, srv, tok.AccessToken); st != 200 {
			t.Fatalf("opaque access token: %d", st)
		}

		check := func(raw, aud, scope string, ttl float64) {
			t.Helper()
			c := jwtClaims(t, srv, raw)
			if c["aud"] != aud || c["scope"] != scope || c["sub"] != idTok.Subject || c["client_id"] != web.app.ID ||
				c["exp"].(float64)-c["iat"].(float64) != ttl {
				t.Fatalf("resource token claims %v, want aud %s scope %q ttl %v", c, aud, scope, ttl)
			}
		}
		res, err := web.refresh(tok.RefreshToken, "resource", api.Indicator)
		must(t, err)
		check(res.AccessToken, api.Indicator, "read:orders", 900)
		res, err = web.refresh(tok.RefreshToken, "resource", other.Indicator)
		must(t, err)
		check(res.AccessToken, other.Indicator, "pay", 3600)

		// A role granted later counts at once (the cache is coherent).
		must(t, rb.AssignUserRoles(ctx, idTok.Subject, writer.ID))
		res, err = web.refresh(tok.RefreshToken, "resource", api.Indicator)
		must(t, err)
		check(res.AccessToken, api.Indicator, "read:orders write:orders", 900)
		must(t, srv.Store.UnassignUserRole(ctx, idTok.Subject, writer.ID))
		res, err = web.refresh(tok.RefreshToken, "resource", api.Indicator)
		must(t, err)
		check(res.AccessToken, api.Indicator, "read:orders", 900)

		// Errors name RFC 8707's invalid_target.
		_, err = web.refresh(tok.RefreshToken, "resource", "https://unknown.example.com")
		assertOAuthError(t, err, "invalid_target")
		bad := web.authorize(b, setParam("resource", "https://unknown.example.com"))
		if bad.Get("error") != "invalid_target" || bad.Get("state") != "state-x" {
			t.Fatalf("unknown resource at authorize: %v", bad)
		}

		// client_credentials: the M2M app's role scopes only.
		m2m, secret := srv.CreateApp(t, application.CreateInput{Name: "Robot", Type: store.AppMachineToMachine})
		cc := func() map[string]any {
			st, body := postForm(t, srv.URL+"/oidc/token", url.Values{"grant_type": {"client_credentials"},
				"resource": {api.Indicator}, "scope": {"read:orders write:orders"}}, m2m.ID, secret)
			if st != 200 {
				t.Fatalf("client_credentials: %d %s", st, body)
			}
			return jwtClaims(t, srv, string(jsonField(t, body, "access_token")))
		}
		if c := cc(); c["scope"] != "" {
			t.Fatalf("an app without roles got scopes %v", c["scope"])
		}
		if err := rb.AssignApplicationRoles(ctx, m2m.ID, reader.ID); err == nil {
			t.Fatal("a User role was assigned to an app")
		}
		must(t, rb.AssignApplicationRoles(ctx, m2m.ID, robot.ID))
		if c := cc(); c["scope"] != "write:orders" || c["aud"] != api.Indicator || c["sub"] != m2m.ID {
			t.Fatalf("client_credentials claims %v", c)
		}
		st, body := postForm(t, srv.URL+"/oidc/token", url.Values{"grant_type": {"client_credentials"}}, m2m.ID, secret)
		wantError(t, st, body, 400, "invalid_target")
	})
}
