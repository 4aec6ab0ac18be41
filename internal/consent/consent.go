// Package consent holds the rules of third-party consent (seed 001,
// logto-reference.md §1.13 and §6.2): what a third-party app asks that the
// user has not yet granted, what the user can grant (only permissions they
// actually hold), the per user × app grant that Authorize stores, and its
// revocation, which also ends the refresh tokens issued under it.
//
// First-party apps get consent implicitly (Logto's koaAutoConsent): they
// never reach this package's questions.
//
// The OP asks Missing after sign-in; the consent page (GET
// /api/interaction/consent) shows the answer; Authorize (POST) calls Grant;
// the Account and Management APIs call List and Revoke.
package consent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// GrantTTL is how long a consent grant lasts (Logto: 180 days, the
// longest refresh-token lifetime).
const GrantTTL = 180 * 24 * time.Hour

// Store is the part of the store the service uses.
type Store interface {
	GetGrant(ctx context.Context, userID, clientID string, now time.Time) (*store.Grant, error)
	UpsertGrant(ctx context.Context, g *store.Grant) error
	ListUserGrants(ctx context.Context, userID string, now time.Time) ([]store.Grant, error)
	DeleteGrant(ctx context.Context, userID, clientID string) error
	DeleteUserClientTokens(ctx context.Context, userID, clientID string) (int, error)
	GetResourceByIndicator(ctx context.Context, indicator string) (*store.Resource, error)
	ListScopes(ctx context.Context, resourceID string) ([]store.Scope, error)
	UserResourceScopes(ctx context.Context, userID, resourceID string) ([]string, error)
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

// Service applies the consent rules.
type Service struct {
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Required reports whether app must obtain the user's consent: only
// third-party apps do.
func Required(app *store.Application) bool { return app.IsThirdParty }

// Request is what an authorization request asks of the user.
type Request struct {
	UserID   string
	ClientID string
	// Scopes are the requested scope values: OIDC scopes and API resource
	// scope names together, as in the scope parameter.
	Scopes []string
	// Resources are the RFC 8707 indicators requested.
	Resources []string
}

// ResourceScopes is one API resource with some of its scopes.
type ResourceScopes struct {
	Resource store.Resource
	Scopes   []store.Scope
}

// Missing is what the user has not granted yet. Only grantable
// permissions are listed: a resource scope the user holds no role for is
// neither shown nor granted.
type Missing struct {
	// NoGrant is set when the user never authorized the app (or revoked
	// it): the consent page is shown even if the request asks nothing
	// beyond openid.
	NoGrant        bool
	OIDCScopes     []string
	ResourceScopes []ResourceScopes
}

// Empty reports whether nothing is missing.
func (m *Missing) Empty() bool {
	return !m.NoGrant && len(m.OIDCScopes) == 0 && len(m.ResourceScopes) == 0
}

// implicit scopes are granted with any consent and never listed: openid
// is the request itself, offline_access is not a user-data permission
// (Logto lists neither).
func implicit(s string) bool { return s == token.ScopeOpenID || s == token.ScopeOfflineAccess }

// grantable computes what req may be granted: the requested OIDC scopes,
// and per requested resource the requested scope names the resource defines
// and the user holds.
func (s *Service) grantable(ctx context.Context, req Request) (oidcScopes []string, res []ResourceScopes, err error) {
	for _, sc := range req.Scopes {
		if token.IsOIDCScope(sc) && !implicit(sc) {
			oidcScopes = append(oidcScopes, sc)
		}
	}
	for _, ind := range req.Resources {
		r, err := s.Store.GetResourceByIndicator(ctx, ind)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("get resource: %w", err)
		}
		defined, err := s.Store.ListScopes(ctx, r.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("list scopes: %w", err)
		}
		held, err := s.Store.UserResourceScopes(ctx, req.UserID, r.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("user resource scopes: %w", err)
		}
		rs := ResourceScopes{Resource: *r}
		for _, sc := range defined {
			if contains(req.Scopes, sc.Name) && contains(held, sc.Name) {
				rs.Scopes = append(rs.Scopes, sc)
			}
		}
		if len(rs.Scopes) > 0 {
			res = append(res, rs)
		}
	}
	return oidcScopes, res, nil
}

// Missing returns the grantable permissions of req that the user's grant
// for the app does not cover yet.
func (s *Service) Missing(ctx context.Context, req Request) (*Missing, error) {
	oidcScopes, res, err := s.grantable(ctx, req)
	if err != nil {
		return nil, err
	}
	g, err := s.Get(ctx, req.UserID, req.ClientID)
	if err != nil {
		return nil, err
	}
	m := &Missing{NoGrant: g.ID == ""}
	for _, sc := range oidcScopes {
		if !contains(g.Scopes, sc) {
			m.OIDCScopes = append(m.OIDCScopes, sc)
		}
	}
	for _, rs := range res {
		granted := g.ResourceScopes[rs.Resource.Indicator]
		out := ResourceScopes{Resource: rs.Resource}
		for _, sc := range rs.Scopes {
			if !contains(granted, sc.Name) {
				out.Scopes = append(out.Scopes, sc)
			}
		}
		if len(out.Scopes) > 0 {
			m.ResourceScopes = append(m.ResourceScopes, out)
		}
	}
	return m, nil
}

// Get returns the user's grant for the app; a missing or expired grant is
// an empty one (no ID).
func (s *Service) Get(ctx context.Context, userID, clientID string) (*store.Grant, error) {
	g, err := s.Store.GetGrant(ctx, userID, clientID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return &store.Grant{UserID: userID, ClientID: clientID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get grant: %w", err)
	}
	return g, nil
}

// Grant records the user's Authorize: every grantable permission of req is
// added to the user × app grant (what was granted before stays), and the
// grant's lifetime starts again.
func (s *Service) Grant(ctx context.Context, req Request) (*store.Grant, error) {
	oidcScopes, res, err := s.grantable(ctx, req)
	if err != nil {
		return nil, err
	}
	g, err := s.Get(ctx, req.UserID, req.ClientID)
	if err != nil {
		return nil, err
	}
	for _, sc := range append(oidcScopes, token.ScopeOpenID) {
		if !contains(g.Scopes, sc) {
			g.Scopes = append(g.Scopes, sc)
		}
	}
	if contains(req.Scopes, token.ScopeOfflineAccess) && !contains(g.Scopes, token.ScopeOfflineAccess) {
		g.Scopes = append(g.Scopes, token.ScopeOfflineAccess)
	}
	if g.ResourceScopes == nil {
		g.ResourceScopes = map[string][]string{}
	}
	for _, rs := range res {
		names := g.ResourceScopes[rs.Resource.Indicator]
		for _, sc := range rs.Scopes {
			if !contains(names, sc.Name) {
				names = append(names, sc.Name)
			}
		}
		g.ResourceScopes[rs.Resource.Indicator] = names
	}
	now := s.now()
	g.UpdatedAt, g.ExpiresAt = now, now.Add(GrantTTL)
	if err := s.Store.UpsertGrant(ctx, g); err != nil {
		return nil, fmt.Errorf("store grant: %w", err)
	}
	return g, nil
}

// List returns the user's live grants (the Account API shows them).
func (s *Service) List(ctx context.Context, userID string) ([]store.Grant, error) {
	return s.Store.ListUserGrants(ctx, userID, s.now())
}

// Revoke deletes the user's grant for the app and, in the same
// transaction, every token the app holds for the user, so its refresh
// tokens stop working at once. ErrNotFound when there was no grant.
func (s *Service) Revoke(ctx context.Context, userID, clientID string) error {
	return s.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeleteGrant(ctx, userID, clientID); err != nil {
			return fmt.Errorf("delete grant: %w", err)
		}
		if _, err := tx.DeleteUserClientTokens(ctx, userID, clientID); err != nil {
			return fmt.Errorf("delete tokens: %w", err)
		}
		return nil
	})
}

// Filter narrows requested scopes to what g grants: openid, the granted
// OIDC scopes and resource scope names granted for one of resources. The
// OP issues codes for third-party apps with the filtered scopes only.
func Filter(g *store.Grant, scopes, resources []string) []string {
	var out []string
	for _, sc := range scopes {
		ok := sc == token.ScopeOpenID || contains(g.Scopes, sc)
		if !ok && !token.IsOIDCScope(sc) {
			for _, ind := range resources {
				if contains(g.ResourceScopes[ind], sc) {
					ok = true
					break
				}
			}
		}
		if ok {
			out = append(out, sc)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
