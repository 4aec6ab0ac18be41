package grant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// AuthorizationCode redeems a code (RFC 6749 §4.1.3, OIDC Core §3.1.3).
type AuthorizationCode struct{ Deps }

// Exchange consumes the code — once: a second redemption is a replay,
// which revokes every token the first one produced (RFC 6749 §4.1.2,
// RFC 9700 §4.5) — then checks client, redirect URI and PKCE, and issues
// an access token, an ID token and, when allowed, a refresh token.
func (g *AuthorizationCode) Exchange(ctx context.Context, req *Request) (*Response, error) {
	code, redirectURI, verifier := req.Get("code"), req.Get("redirect_uri"), req.Get("code_verifier")
	if code == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'code'")
	}
	if redirectURI == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'redirect_uri'")
	}
	now := g.now()
	c, err := g.Store.ConsumeAuthorizationCode(ctx, token.Hash(code), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauth.InvalidGrant("authorization code is invalid or expired")
	}
	if err != nil {
		return nil, fmt.Errorf("consume code: %w", err)
	}
	if !c.ConsumedAt.IsZero() {
		g.revokeGrant(ctx, c.GrantID, "authorization code replayed")
		return nil, oauth.InvalidGrant("authorization code has already been used")
	}
	if !now.Before(c.ExpiresAt) {
		return nil, oauth.InvalidGrant("authorization code is invalid or expired")
	}
	if c.ClientID != req.Client.ID {
		return nil, oauth.InvalidGrant("authorization code was issued to another client")
	}
	// RFC 6749 §4.1.3: identical to the value sent to /auth.
	if c.RedirectURI != redirectURI {
		return nil, oauth.InvalidGrant("redirect_uri does not match the authorization request")
	}
	if err := checkPKCE(c, verifier, req.Client); err != nil {
		return nil, err
	}
	user, err := g.loadUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	resource, err := pickResource(req, c.Resources)
	if err != nil {
		return nil, err
	}
	ug := &userGrant{client: req.Client, user: user, grantID: c.GrantID, sessionID: c.SessionID,
		scopes: c.Scopes, resource: resource, nonce: c.Nonce, authTime: c.AuthTime, amr: c.AMR}
	at, atScopes, ttl, err := g.accessToken(ctx, ug, now)
	if err != nil {
		return nil, err
	}
	resp := &Response{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second),
		Scope: oauth.FormatScope(atScopes)}
	if resp.IDToken, err = g.idToken(ctx, ug, at, now); err != nil {
		return nil, err
	}
	if issuesRefreshToken(req.Client, c.Scopes) {
		plain, hash := token.NewOpaque()
		err := g.Store.CreateToken(ctx, &store.Token{
			Hash: hash, Kind: store.TokenRefresh, ClientID: req.Client.ID, UserID: user.ID,
			GrantID: c.GrantID, SessionID: c.SessionID, Scopes: c.Scopes, Resources: c.Resources,
			AuthTime: c.AuthTime, AMR: c.AMR, FirstIssuedAt: now, CreatedAt: now,
			ExpiresAt: now.Add(refreshTTL(req.Client)),
		})
		if err != nil {
			return nil, fmt.Errorf("store refresh token: %w", err)
		}
		resp.RefreshToken = plain
	}
	return resp, nil
}

// checkPKCE applies RFC 7636 §4.6 with no downgrade: a code bound to a
// challenge needs the matching verifier; a code without one refuses a
// verifier (RFC 9700 §4.8.2) and is refused to public clients outright.
func checkPKCE(c *store.AuthorizationCode, verifier string, client *store.Application) error {
	if c.CodeChallenge != "" {
		if !oauth.VerifyPKCE(c.CodeChallenge, c.CodeChallengeMethod, verifier) {
			return oauth.InvalidGrant("PKCE verification failed")
		}
		return nil
	}
	if verifier != "" || application.IsPublic(client) {
		return oauth.InvalidGrant("PKCE verification failed")
	}
	return nil
}

// issuesRefreshToken: offline_access was granted (the authorization
// endpoint keeps it only with prompt=consent), or a Traditional/SPA app set
// alwaysIssueRefreshToken (logto-reference.md §1.6).
func issuesRefreshToken(app *store.Application, scopes []string) bool {
	if oauth.Contains(scopes, token.ScopeOfflineAccess) {
		return true
	}
	return app.CustomClientMetadata.AlwaysIssueRefreshToken &&
		(app.Type == store.AppTraditional || app.Type == store.AppSPA)
}
