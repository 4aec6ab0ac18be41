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
//
// Consuming the code and storing the tokens are one transaction: if
// anything fails before the response is ready (a store error, a crash) the
// code is not used up and the client's retry works, rather than being
// taken for a replay that revokes the grant. A failed check rolls the
// consumption back too, as in oidc-provider, which checks the client,
// redirect URI and PKCE before it consumes the code: only a redemption
// that succeeded makes a second one a replay.
func (g *AuthorizationCode) Exchange(ctx context.Context, req *Request) (*Response, error) {
	code, redirectURI := req.Get("code"), req.Get("redirect_uri")
	if code == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'code'")
	}
	if redirectURI == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'redirect_uri'")
	}
	now := g.now()
	hash := token.Hash(code)
	var resp *Response
	replayed := ""
	err := g.Store.InTx(ctx, func(tx store.Store) error {
		c, err := tx.ConsumeAuthorizationCode(ctx, hash, now)
		if errors.Is(err, store.ErrNotFound) {
			return oauth.InvalidGrant("authorization code is invalid or expired")
		}
		if err != nil {
			return fmt.Errorf("consume code: %w", err)
		}
		if !c.ConsumedAt.IsZero() {
			replayed = c.GrantID
			return oauth.InvalidGrant("authorization code has already been used")
		}
		// The reads of the exchange go through the transaction too: on
		// PostgreSQL a second pooled connection per request could starve
		// the pool, and on SQLite they queue behind the write lock anyway.
		d := g.Deps
		d.Store = tx
		resp, err = d.redeem(ctx, req, c, now)
		return err
	})
	if replayed != "" {
		g.revokeGrant(ctx, replayed, "authorization code replayed")
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// redeem checks the consumed code c against the request and issues and
// stores its tokens through d.Store (the exchange's transaction).
func (d *Deps) redeem(ctx context.Context, req *Request, c *store.AuthorizationCode, now time.Time) (*Response, error) {
	if !now.Before(c.ExpiresAt) {
		return nil, oauth.InvalidGrant("authorization code is invalid or expired")
	}
	if c.ClientID != req.Client.ID {
		return nil, oauth.InvalidGrant("authorization code was issued to another client")
	}
	// RFC 6749 §4.1.3: identical to the value sent to /auth.
	if c.RedirectURI != req.Get("redirect_uri") {
		return nil, oauth.InvalidGrant("redirect_uri does not match the authorization request")
	}
	if err := checkPKCE(c, req.Get("code_verifier"), req.Client); err != nil {
		return nil, err
	}
	user, err := d.loadUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	resource, err := pickResource(req, c.Resources, c.Scopes)
	if err != nil {
		return nil, err
	}
	ug := &userGrant{client: req.Client, user: user, grantID: c.GrantID, sessionID: c.SessionID,
		scopes: c.Scopes, resource: resource, nonce: c.Nonce, authTime: c.AuthTime, amr: c.AMR}
	at, err := d.accessToken(ctx, ug, now)
	if err != nil {
		return nil, err
	}
	idToken, err := d.idToken(ctx, ug, at.value, now)
	if err != nil {
		return nil, err
	}
	refresh := ""
	if issuesRefreshToken(req.Client, c.Scopes) {
		// The refresh token's row also holds the opaque access token:
		// one row for both.
		plain, hash := token.NewRefresh(c.GrantID)
		err := d.Store.CreateToken(ctx, &store.Token{
			Hash: hash, Kind: store.TokenRefresh, ClientID: req.Client.ID, UserID: user.ID,
			GrantID: c.GrantID, SessionID: c.SessionID, Scopes: c.Scopes, Resources: c.Resources,
			AuthTime: c.AuthTime, AMR: c.AMR, FirstIssuedAt: now, CreatedAt: now,
			ExpiresAt: now.Add(refreshTTL(req.Client)), Access: at.embedded(),
		})
		if err != nil {
			return nil, fmt.Errorf("store refresh token: %w", err)
		}
		refresh = plain
	} else if err := storeAccessToken(ctx, d.Store, at); err != nil {
		return nil, err
	}
	return response(at, idToken, refresh), nil
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
