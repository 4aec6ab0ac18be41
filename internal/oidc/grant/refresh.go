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

// RefreshToken is the refresh grant (RFC 6749 §6) with Logto's rotation
// rules (logto-reference.md §1.6).
type RefreshToken struct{ Deps }

// maxRotationLife: once a chain has lived this long it stops rotating
// (oidc-provider's default rotateRefreshToken rule).
const maxRotationLife = time.Duration(365.25 * 24 * float64(time.Hour))

var errReuse = oauth.InvalidGrant("refresh token already used")

// Exchange validates the refresh token, rotates or extends it, and issues a
// new access token (JWT when a granted resource is asked for) and ID token.
func (g *RefreshToken) Exchange(ctx context.Context, req *Request) (*Response, error) {
	presented := req.Get("refresh_token")
	if presented == "" {
		return nil, oauth.InvalidRequest("missing required parameter 'refresh_token'")
	}
	if req.Get("organization_id") != "" {
		// Organization tokens (logto-reference.md §1.8) come with organizations.
		return nil, oauth.InvalidRequest("organization tokens are not supported")
	}
	now := g.now()
	hash := token.Hash(presented)
	rt, err := g.Store.GetToken(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, g.unknownRefreshToken(ctx, presented, now)
	}
	if err != nil {
		return nil, fmt.Errorf("get refresh token: %w", err)
	}
	if rt.Kind != store.TokenRefresh || rt.ClientID != req.Client.ID {
		return nil, oauth.InvalidGrant("refresh token is invalid or expired")
	}
	if !rt.ConsumedAt.IsZero() {
		// A token rotated out before rotation in place (kept as a consumed
		// row) came back: someone holds a copy. Revoke the whole family so
		// neither party keeps access (RFC 9700 §4.14.2).
		g.revokeGrant(ctx, rt.GrantID, "refresh token reused")
		return nil, errReuse
	}
	// The tokens are made and signed before anything is written; the one
	// write, the rotation, is conditional on the presented value still
	// being current. A failure anywhere leaves the presented token as it
	// was, so the client's retry works (rather than finding it rotated,
	// which would look like reuse); and signing holds no transaction (nor,
	// on PostgreSQL, a pooled connection; nor, on SQLite, the writer).
	resp, err := g.issue(ctx, req, rt, hash, presented, now)
	if errors.Is(err, errRotatedMeanwhile) {
		// A concurrent request presented the same value and won: two
		// parties hold it.
		return nil, g.unknownRefreshToken(ctx, presented, now)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// errRotatedMeanwhile: the refresh token was rotated or revoked between
// the exchange's read and its write.
var errRotatedMeanwhile = errors.New("refresh token rotated by a concurrent request")

// issue makes and signs the new tokens for the refresh token rt, then
// rotates or extends rt, storing the opaque access token in its row. Reads
// that a node may cache (user, resource, scopes) go through g.Store.
func (g *RefreshToken) issue(ctx context.Context, req *Request, rt *store.Token, hash []byte,
	presented string, now time.Time) (*Response, error) {
	scopes := rt.Scopes
	if s := req.Get("scope"); s != "" {
		asked := oauth.ParseScope(s)
		if !oauth.Subset(asked, rt.Scopes) {
			return nil, oauth.InvalidScope("requested scope exceeds the granted scope")
		}
		scopes = asked
	}
	// Without an explicit resource the refresh grant answers for the OP
	// (Logto's SDKs ask per resource); unlike the code grant, it never
	// falls back to the only granted resource.
	var resource string
	if len(req.Params["resource"]) > 0 {
		var err error
		if resource, err = pickResource(req, rt.Resources, rt.Scopes); err != nil {
			return nil, err
		}
	}
	user, err := g.loadUser(ctx, rt.UserID)
	if err != nil {
		return nil, err
	}
	ug := &userGrant{client: req.Client, user: user, grantID: rt.GrantID, sessionID: rt.SessionID,
		scopes: scopes, resource: resource, authTime: rt.AuthTime, amr: rt.AMR}
	at, err := g.accessToken(ctx, ug, now)
	if err != nil {
		return nil, err
	}
	// OIDC Core §12.2: a new ID token without nonce, same auth_time.
	idToken, err := g.idToken(ctx, ug, at.value, now)
	if err != nil {
		return nil, err
	}
	newRT, err := renew(ctx, g.Store, req.Client, rt, hash, presented, at, now)
	if err != nil {
		return nil, err
	}
	return response(at, idToken, newRT), nil
}

// unknownRefreshToken answers a refresh token that is not a live one in the
// store. When it names a chain that is still alive, it is a value that
// chain has rotated out, presented again: someone holds a copy, so the
// whole chain is revoked (RFC 9700 §4.14.2) and neither party keeps access.
func (g *RefreshToken) unknownRefreshToken(ctx context.Context, presented string, now time.Time) error {
	grantID := token.RefreshGrant(presented)
	if grantID == "" {
		return oauth.InvalidGrant("refresh token is invalid or expired")
	}
	n, err := g.Store.RevokeLiveGrant(ctx, grantID, now)
	if err != nil {
		g.logger().ErrorContext(ctx, "revoke reused refresh token chain failed", "grant_id", grantID, "err", err)
		return errReuse
	}
	if n == 0 {
		return oauth.InvalidGrant("refresh token is invalid or expired")
	}
	g.logger().WarnContext(ctx, "grant revoked", "grant_id", grantID, "reason", "refresh token reused", "tokens", n)
	return errReuse
}

// shouldRotate is oidc-provider's default rule, which Logto keeps when
// rotateRefreshToken is on: never after a year of total life; always for
// public clients; otherwise once 70 % of the token's TTL has passed.
func shouldRotate(app *store.Application, rt *store.Token, now time.Time) bool {
	if !application.RotateRefreshToken(app) {
		return false
	}
	if now.Sub(rt.FirstIssuedAt) >= maxRotationLife {
		return false
	}
	if application.IsPublic(app) {
		return true
	}
	ttl := rt.ExpiresAt.Sub(rt.CreatedAt)
	return now.Sub(rt.CreatedAt)*10 >= ttl*7
}

// renew rotates the refresh token (in place: the chain's row takes the new
// value) or keeps it and slides its expiry, and puts the opaque access token
// at in the same row; the access token issued with the last refresh stays
// valid until it expires, as clients expect (the store holds it apart). It
// returns the refresh token to send back.
func renew(ctx context.Context, st Store, app *store.Application, rt *store.Token, hash []byte, presented string,
	at *issued, now time.Time) (string, error) {
	// A zero ExpiresAt keeps the row's expiry.
	next := &store.Token{Hash: hash, CreatedAt: rt.CreatedAt, Access: at.embedded()}
	send := presented
	switch {
	case shouldRotate(app, rt, now):
		plain, newHash := token.NewRefresh(rt.GrantID)
		send = plain
		next.Hash, next.CreatedAt = newHash, now
		// SPAs never get a sliding expiry: a rotated token keeps the
		// time left.
		if app.Type != store.AppSPA {
			next.ExpiresAt = now.Add(refreshTTL(app))
		}
	case app.Type != store.AppSPA:
		next.ExpiresAt = now.Add(refreshTTL(app))
	case next.Access == nil:
		return send, nil // nothing changes: a JWT for an SPA past rotation
	}
	// Only the request that still finds the presented value current
	// renews it.
	err := st.RotateToken(ctx, hash, next, now)
	if errors.Is(err, store.ErrNotFound) {
		return "", errRotatedMeanwhile
	}
	if err != nil {
		return "", fmt.Errorf("renew refresh token: %w", err)
	}
	return send, nil
}
