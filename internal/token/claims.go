package token

import (
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

// OIDC scopes that map to user claims (logto-reference.md §1.10). Any other
// scope in a request is an API resource scope.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopePhone         = "phone"
	ScopeAddress       = "address"
	ScopeCustomData    = "custom_data"
	ScopeIdentities    = "identities"
	ScopeRoles         = "roles"
	ScopeOrganizations = "urn:logto:scope:organizations"
	ScopeOrgRoles      = "urn:logto:scope:organization_roles"
)

// OIDCScopes lists the scopes the OP itself understands, in discovery order.
var OIDCScopes = []string{ScopeOpenID, ScopeOfflineAccess, ScopeProfile, ScopeEmail, ScopePhone,
	ScopeAddress, ScopeCustomData, ScopeIdentities, ScopeRoles, ScopeOrganizations, ScopeOrgRoles}

// IsOIDCScope reports whether s is one of OIDCScopes.
func IsOIDCScope(s string) bool {
	for _, o := range OIDCScopes {
		if o == s {
			return true
		}
	}
	return false
}

// SplitScopes separates OIDC scopes from resource scopes.
func SplitScopes(scopes []string) (oidc, resource []string) {
	for _, s := range scopes {
		if IsOIDCScope(s) {
			oidc = append(oidc, s)
		} else {
			resource = append(resource, s)
		}
	}
	return oidc, resource
}

// profileClaims are read from User.Profile (which may use Logto's camelCase
// keys or the claim names themselves) and omitted when unset.
var profileClaims = []string{"family_name", "given_name", "middle_name", "nickname",
	"preferred_username", "profile", "website", "gender", "birthdate", "zoneinfo", "locale"}

// ClaimsSupported is discovery's claims_supported: what UserClaims can emit
// plus the ID token's own claims.
var ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid",
	"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
	"picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "username",
	"created_at", "email", "email_verified", "phone_number", "phone_number_verified", "address",
	"custom_data", "identities", "roles"}

// UserData is what claims are made of: the user and, when the roles scope
// is granted, the names of the user's roles.
type UserData struct {
	User  *store.User
	Roles []string
}

// UserClaims maps a user to claims by scope, with Logto's names and rules:
// name/picture/username/email/phone_number are null when unset;
// *_verified is true exactly when the value is present; created_at and
// updated_at are epoch milliseconds. forIDToken leaves out the extended
// claims (custom_data, identities) that Logto puts in the ID token only when
// the tenant enables them; roles is enabled by default, so it stays.
func UserClaims(d UserData, scopes []string, forIDToken bool) map[string]any {
	u := d.User
	c := map[string]any{"sub": u.ID}
	has := func(s string) bool {
		for _, v := range scopes {
			if v == s {
				return true
			}
		}
		return false
	}
	if has(ScopeProfile) {
		c["name"] = nullable(u.Name)
		c["picture"] = nullable(u.Avatar)
		c["username"] = nullable(u.Username)
		c["created_at"] = u.CreatedAt.UnixMilli()
		c["updated_at"] = u.UpdatedAt.UnixMilli()
		prof := profileMap(u.Profile)
		for _, k := range profileClaims {
			if v, ok := prof[k]; ok && v != nil {
				c[k] = v
			}
		}
		if _, ok := c["preferred_username"]; !ok && u.Username != "" {
			c["preferred_username"] = u.Username
		}
	}
	if has(ScopeEmail) {
		c["email"] = nullable(u.PrimaryEmail)
		c["email_verified"] = u.PrimaryEmail != ""
	}
	if has(ScopePhone) {
		c["phone_number"] = nullable(u.PrimaryPhone)
		c["phone_number_verified"] = u.PrimaryPhone != ""
	}
	if has(ScopeAddress) {
		if v, ok := profileMap(u.Profile)["address"]; ok && v != nil {
			c["address"] = v
		}
	}
	if has(ScopeRoles) {
		roles := d.Roles
		if roles == nil {
			roles = []string{}
		}
		c["roles"] = roles
	}
	if forIDToken {
		return c
	}
	if has(ScopeCustomData) {
		c["custom_data"] = objectOrEmpty(u.CustomData)
	}
	if has(ScopeIdentities) {
		c["identities"] = objectOrEmpty(u.Identities)
		c["sso_identities"] = []any{}
	}
	return c
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func objectOrEmpty(raw json.RawMessage) any {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// profileMap decodes User.Profile with its keys in snake_case.
func profileMap(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[snake(k)] = v
	}
	return out
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
