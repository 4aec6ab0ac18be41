package grant

import (
	"bytes"
	"context"
	"fmt"
	"strings"
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
	var scope string
	if asked := req.Get("scope"); hasField(asked) {
		held, err := g.Store.ApplicationResourceScopes(ctx, req.Client.ID, res.ID)
		if err != nil {
			return nil, fmt.Errorf("application resource scopes: %w", err)
		}
		scope = heldScope(asked, held)
	}
	now := g.now()
	ttl := resourceTTL(res)
	at, err := g.Minter.AccessToken(tokenFor(req.Client.ID, res.Indicator, scope, now, ttl))
	if err != nil {
		return nil, err
	}
	return &Response{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), Scope: scope}, nil
}

// hasField reports whether s holds a non-space character, i.e. whether
// oauth.ParseScope(s) is not empty.
func hasField(s string) bool {
	for range strings.FieldsSeq(s) {
		return true
	}
	return false
}

// heldScope is oauth.FormatScope(oauth.Intersect(oauth.ParseScope(asked),
// held)): the asked scopes that are held, once each, in the asked order,
// space-separated. When that is asked itself (the usual request) it is
// returned without an allocation.
func heldScope(asked string, held []string) string {
	var stack [256]byte
	out := stack[:0]
	for f := range strings.FieldsSeq(asked) {
		if !oauth.Contains(held, f) || hasWord(out, f) {
			continue
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, f...)
	}
	if string(out) == asked {
		return asked
	}
	return string(out)
}

// hasWord reports whether the space-separated list holds w.
func hasWord(list []byte, w string) bool {
	for len(list) > 0 {
		i := bytes.IndexByte(list, ' ')
		if i < 0 {
			return string(list) == w
		}
		if string(list[:i]) == w {
			return true
		}
		list = list[i+1:]
	}
	return false
}
