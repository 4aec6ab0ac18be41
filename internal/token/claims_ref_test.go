package token

import (
	"slices"
)

// The map-based encoders the direct ones replaced, kept as the reference
// the direct ones are tested against byte for byte (encoding/json sorts
// map keys).

// UserClaims maps a user to claims by scope (see userClaimVals for the rules):
// name/picture/username/email/phone_number are null when unset;
// *_verified is true exactly when the value is present; created_at and
// updated_at are epoch milliseconds. forIDToken leaves out the extended
// claims (custom_data, identities) that Logto puts in the ID token only when
// the tenant enables them; roles is enabled by default, so it stays.
func UserClaims(d UserData, scopes []string, forIDToken bool) map[string]any {
	u := d.User
	c := map[string]any{"sub": u.ID}
	has := func(s string) bool { return slices.Contains(scopes, s) }
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

// refIDClaims are the claims of t as the map IDToken used to build: the
// user's claims (UserClaims for the ID token) under the registered ones,
// which a user claim never overrides.
func refIDClaims(iss string, t IDToken) map[string]any {
	c := map[string]any{}
	if t.User != nil {
		for k, v := range UserClaims(*t.User, t.Scopes, true) {
			c[k] = v
		}
	}
	c["iss"], c["sub"], c["aud"] = iss, t.Subject, t.Audience
	c["iat"], c["exp"] = t.IssuedAt.Unix(), t.ExpiresAt.Unix()
	if !t.AuthTime.IsZero() {
		c["auth_time"] = t.AuthTime.Unix()
	}
	if t.Nonce != "" {
		c["nonce"] = t.Nonce
	}
	if t.AccessToken != "" {
		c["at_hash"] = ATHash(t.AccessToken)
	}
	if sid := SID(t.SessionID); sid != "" {
		c["sid"] = sid
	}
	if len(t.AMR) > 0 {
		c["amr"] = t.AMR
	}
	return c
}
