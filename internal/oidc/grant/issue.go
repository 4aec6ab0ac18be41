package grant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// userGrant is what the code and refresh grants know when they issue
// tokens for a user.
type userGrant struct {
	client    *store.Application
	user      *store.User
	grantID   string
	sessionID string
	// scopes is everything granted: OIDC scopes and API resource scopes.
	scopes []string
	// resource is the audience of this access token; "" means an opaque
	// token for the OP itself (/oidc/me, /api/my-account).
	resource string
	nonce    string
	authTime time.Time
	amr      []string
}

// loadUser returns the user of a grant, or invalid_grant if the user is gone
// or suspended (Logto's findAccount).
func (d *Deps) loadUser(ctx context.Context, userID string) (*store.User, error) {
	u, err := d.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauth.InvalidGrant("the user no longer exists")
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	if u.IsSuspended {
		return nil, oauth.InvalidGrant("the user is suspended")
	}
	return u, nil
}

// pickResource chooses the access token's audience (RFC 8707 §2.2) as
// oidc-provider's resolveResource does with Logto's useGrantedResource
// turned off: the resource parameter of the token request, which must be
// one the grant covers; without it, the grant's only resource, but only
// when openid was not granted. With openid granted (or several resources
// and none chosen) the token is an opaque one for the OP, usable at
// userinfo, as Logto's SDKs expect: they exchange the code without a
// resource, call fetchUserInfo with that token, and fetch resource tokens
// with the refresh grant. scopes are the grant's scopes.
func pickResource(req *Request, granted, scopes []string) (string, error) {
	asked := req.Params["resource"]
	switch {
	case len(asked) > 1:
		return "", oauth.InvalidTarget("only one resource indicator may be requested")
	case len(asked) == 1:
		if !oauth.Contains(granted, asked[0]) {
			return "", oauth.InvalidTarget("the resource indicator was not granted")
		}
		return asked[0], nil
	case len(granted) == 1 && !oauth.Contains(scopes, token.ScopeOpenID):
		return granted[0], nil
	}
	return "", nil
}

// issued is an access token made for a grant: its value, the scopes it
// carries and its lifetime. An opaque token also has the record the caller
// must store, in the same transaction as the rest of the exchange.
type issued struct {
	value  string
	scopes []string
	ttl    time.Duration
	record *store.Token // nil for a JWT, which is not stored
}

// accessToken makes the access token of g: a JWT for an API resource, or
// an opaque token for the OP. It reads through d.Store but writes nothing.
func (d *Deps) accessToken(ctx context.Context, g *userGrant, now time.Time) (*issued, error) {
	if g.resource != "" {
		res, err := lookupResource(ctx, d.Store, g.resource)
		if err != nil {
			return nil, err
		}
		held, err := d.Store.UserResourceScopes(ctx, g.user.ID, res.ID)
		if err != nil {
			return nil, fmt.Errorf("user resource scopes: %w", err)
		}
		// An unauthorized scope is dropped, not rejected (Logto §1.7).
		_, asked := token.SplitScopes(g.scopes)
		scopes := oauth.Intersect(asked, held)
		if g.client.IsThirdParty {
			// Rule 4 of logto-reference.md §1.7: a third-party app gets
			// only the resource scopes the user consented to.
			consented, err := d.consentedScopes(ctx, g.user.ID, g.client.ID, res.Indicator)
			if err != nil {
				return nil, err
			}
			scopes = oauth.Intersect(scopes, consented)
		}
		ttl := resourceTTL(res)
		tok, err := d.Minter.AccessToken(token.AccessToken{
			Subject: g.user.ID, Audience: res.Indicator, ClientID: g.client.ID,
			Scope: oauth.FormatScope(scopes), IssuedAt: now, ExpiresAt: now.Add(ttl),
		})
		if err != nil {
			return nil, err
		}
		return &issued{value: tok, scopes: scopes, ttl: ttl}, nil
	}
	scopes, _ := token.SplitScopes(g.scopes)
	plain, hash := token.NewOpaque()
	ttl := token.AccessTokenTTL
	return &issued{value: plain, scopes: scopes, ttl: ttl, record: &store.Token{
		Hash: hash, Kind: store.TokenAccess, ClientID: g.client.ID, UserID: g.user.ID,
		GrantID: g.grantID, SessionID: g.sessionID, Scopes: scopes,
		AuthTime: g.authTime, AMR: g.amr, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}}, nil
}

// embedded is at as a refresh token's row holds it, or nil for a JWT.
func (at *issued) embedded() *store.EmbeddedAccess {
	if at.record == nil {
		return nil
	}
	return &store.EmbeddedAccess{Hash: at.record.Hash, Scopes: at.record.Scopes, ExpiresAt: at.record.ExpiresAt}
}

// storeAccessToken stores at if it is opaque.
func storeAccessToken(ctx context.Context, st Store, at *issued) error {
	if at.record == nil {
		return nil
	}
	if err := st.CreateToken(ctx, at.record); err != nil {
		return fmt.Errorf("store access token: %w", err)
	}
	return nil
}

// response is the token response for at, with its ID token and refresh
// token (either may be empty).
func response(at *issued, idToken, refreshToken string) *Response {
	return &Response{AccessToken: at.value, TokenType: "Bearer", ExpiresIn: int64(at.ttl / time.Second),
		IDToken: idToken, RefreshToken: refreshToken, Scope: oauth.FormatScope(at.scopes)}
}

// consentedScopes are the scopes of resource in the user's consent grant
// for the app (none without a grant).
func (d *Deps) consentedScopes(ctx context.Context, userID, clientID, indicator string) ([]string, error) {
	g, err := d.Store.GetGrant(ctx, userID, clientID, d.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get consent grant: %w", err)
	}
	return g.ResourceScopes[indicator], nil
}

func lookupResource(ctx context.Context, st Store, indicator string) (*store.Resource, error) {
	res, err := st.GetResourceByIndicator(ctx, indicator)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauth.InvalidTarget("the resource indicator is unknown")
	}
	if err != nil {
		return nil, fmt.Errorf("get resource: %w", err)
	}
	return res, nil
}

func resourceTTL(res *store.Resource) time.Duration {
	if res.AccessTokenTTL > 0 {
		return time.Duration(res.AccessTokenTTL) * time.Second
	}
	return token.AccessTokenTTL
}

// idToken issues the ID token of g when openid was granted, with at_hash
// of accessToken and the user claims the scopes allow.
func (d *Deps) idToken(ctx context.Context, g *userGrant, accessToken string, now time.Time) (string, error) {
	if !oauth.Contains(g.scopes, token.ScopeOpenID) {
		return "", nil
	}
	data := token.UserData{User: g.user}
	if oauth.Contains(g.scopes, token.ScopeRoles) {
		roles, err := d.Store.ListUserRoles(ctx, g.user.ID)
		if err != nil {
			return "", fmt.Errorf("list user roles: %w", err)
		}
		data.Roles = make([]string, 0, len(roles))
		for _, r := range roles {
			data.Roles = append(data.Roles, r.Name)
		}
	}
	ttl := token.IDTokenTTL
	if s := g.client.CustomClientMetadata.IDTokenTTL; s > 0 {
		ttl = time.Duration(s) * time.Second
	}
	return d.Minter.IDToken(token.IDToken{
		Subject: g.user.ID, Audience: g.client.ID, Nonce: g.nonce, AuthTime: g.authTime,
		IssuedAt: now, ExpiresAt: now.Add(ttl), AccessToken: accessToken, SessionID: g.sessionID, AMR: g.amr,
		User: &data, Scopes: g.scopes,
	}, g.client.OIDCClientMetadata.IDTokenSignedResponseAlg)
}

// refreshTTL is the app's refresh-token lifetime (refreshTokenTtlInDays).
func refreshTTL(app *store.Application) time.Duration {
	days := app.CustomClientMetadata.RefreshTokenTTLInDays
	if days <= 0 {
		days = 14
	}
	return time.Duration(days) * 24 * time.Hour
}

// revokeGrant deletes every token of a grant after a replay or reuse. A
// failure is logged but does not change the client's answer (invalid_grant).
func (d *Deps) revokeGrant(ctx context.Context, grantID, why string) {
	n, err := d.Store.DeleteGrantTokens(ctx, grantID)
	if err != nil {
		d.logger().ErrorContext(ctx, "revoke grant tokens failed", "grant_id", grantID, "reason", why, "err", err)
		return
	}
	d.logger().WarnContext(ctx, "grant revoked", "grant_id", grantID, "reason", why, "tokens", n)
}

// tokenFor is the access token of a client acting for itself: sub is the
// client ID (logto-reference.md §1.7).
func tokenFor(clientID, audience, scope string, now time.Time, ttl time.Duration) token.AccessToken {
	return token.AccessToken{Subject: clientID, Audience: audience, ClientID: clientID, Scope: scope,
		IssuedAt: now, ExpiresAt: now.Add(ttl)}
}
