package grant

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/oauth"
)

// ClientCredentials issues a JWT access token for an API resource to a
// MachineToMachine app (RFC 6749 §4.4, logto-reference.md §1.7–1.8). It
// writes nothing to the store: the hot path is three reads and a signature.
type ClientCredentials struct{ Deps }

// Exchange requires exactly one resource; the token's scope is the
// requested scopes the app holds through its roles (others are dropped, and
// no scope parameter means no scopes, as oidc-provider does).
func (g *ClientCredentials) Exchange(ctx context.Context, req *Request) (*Response, error) {
	resources := req.Params["resource"]
	if req.Get("organization_id") != "" {
		return nil, oauth.InvalidRequest("organization tokens are not supported")
	}
	switch len(resources) {
	case 0:
		return nil, oauth.InvalidTarget("a resource indicator is required")
	case 1:
	default:
		return nil, oauth.InvalidTarget("only one resource indicator is allowed")
	}
	res, err := lookupResource(ctx, g.Store, resources[0])
	if err != nil {
		return nil, err
	}
	var scopes []string
	if asked := oauth.ParseScope(req.Get("scope")); len(asked) > 0 {
		held, err := g.Store.ApplicationResourceScopes(ctx, req.Client.ID, res.ID)
		if err != nil {
			return nil, fmt.Errorf("application resource scopes: %w", err)
		}
		scopes = oauth.Intersect(asked, held)
	}
	now := g.now()
	ttl := resourceTTL(res)
	scope := oauth.FormatScope(scopes)
	at, err := g.Minter.AccessToken(tokenFor(req.Client.ID, res.Indicator, scope, now, ttl))
	if err != nil {
		return nil, err
	}
	return &Response{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), Scope: scope}, nil
}
