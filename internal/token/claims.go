package token

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
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

// ClaimsSupported is discovery's claims_supported: what AppendUserClaims can
// emit plus the ID token's own claims.
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

// claimKeys are every key a user's claims can have, sorted as
// encoding/json sorts map keys (the order claims were written in when they
// were a map).
var claimKeys = [...]string{"address", "birthdate", "created_at", "custom_data", "email", "email_verified",
	"family_name", "gender", "given_name", "identities", "locale", "middle_name", "name", "nickname",
	"phone_number", "phone_number_verified", "picture", "preferred_username", "profile", "roles",
	"sso_identities", "sub", "updated_at", "username", "website", "zoneinfo"}

// claimIndex maps a key of claimKeys to its position.
var claimIndex = func() map[string]int {
	m := make(map[string]int, len(claimKeys))
	for i, k := range claimKeys {
		m[k] = i
	}
	return m
}()

// Positions in claimKeys of the claims set from typed fields.
var (
	ciCreatedAt     = claimIndex["created_at"]
	ciCustomData    = claimIndex["custom_data"]
	ciEmail         = claimIndex["email"]
	ciEmailVerified = claimIndex["email_verified"]
	ciIdentities    = claimIndex["identities"]
	ciName          = claimIndex["name"]
	ciPhone         = claimIndex["phone_number"]
	ciPhoneVerified = claimIndex["phone_number_verified"]
	ciPicture       = claimIndex["picture"]
	ciPreferred     = claimIndex["preferred_username"]
	ciRoles         = claimIndex["roles"]
	ciSSOIdentities = claimIndex["sso_identities"]
	ciSub           = claimIndex["sub"]
	ciUpdatedAt     = claimIndex["updated_at"]
	ciUsername      = claimIndex["username"]
	ciAddress       = claimIndex["address"]
)

type claimKind uint8

const (
	kindNone claimKind = iota
	kindNullable
	kindBool
	kindInt
	kindStrings
	kindRaw // pre-encoded JSON
	kindAny // encoded with encoding/json
)

type claimVal struct {
	kind claimKind
	b    bool
	n    int64
	s    string
	ss   []string
	raw  []byte
	v    any
}

// userClaimVals are a user's claims by scope, with Logto's names and rules,
// by position in claimKeys (kindNone where absent):
// name/picture/username/email/phone_number are null when unset;
// *_verified is true exactly when the value is present; created_at and
// updated_at are epoch milliseconds. forIDToken leaves out the extended
// claims (custom_data, identities) that Logto puts in the ID token only when
// the tenant enables them; roles is enabled by default, so it stays.
func userClaimVals(d UserData, scopes []string, forIDToken bool) (vals [len(claimKeys)]claimVal) {
	u := d.User
	vals[ciSub] = claimVal{kind: kindNullable, s: u.ID}
	has := func(s string) bool { return slices.Contains(scopes, s) }
	if has(ScopeProfile) {
		vals[ciName] = claimVal{kind: kindNullable, s: u.Name}
		vals[ciPicture] = claimVal{kind: kindNullable, s: u.Avatar}
		vals[ciUsername] = claimVal{kind: kindNullable, s: u.Username}
		vals[ciCreatedAt] = claimVal{kind: kindInt, n: u.CreatedAt.UnixMilli()}
		vals[ciUpdatedAt] = claimVal{kind: kindInt, n: u.UpdatedAt.UnixMilli()}
		if !emptyObject(u.Profile) {
			prof := profileMap(u.Profile)
			for _, k := range profileClaims {
				if v, ok := prof[k]; ok && v != nil {
					vals[claimIndex[k]] = claimVal{kind: kindAny, v: v}
				}
			}
		}
		if vals[ciPreferred].kind == kindNone && u.Username != "" {
			vals[ciPreferred] = claimVal{kind: kindNullable, s: u.Username}
		}
	}
	if has(ScopeEmail) {
		vals[ciEmail] = claimVal{kind: kindNullable, s: u.PrimaryEmail}
		vals[ciEmailVerified] = claimVal{kind: kindBool, b: u.PrimaryEmail != ""}
	}
	if has(ScopePhone) {
		vals[ciPhone] = claimVal{kind: kindNullable, s: u.PrimaryPhone}
		vals[ciPhoneVerified] = claimVal{kind: kindBool, b: u.PrimaryPhone != ""}
	}
	if has(ScopeAddress) && !emptyObject(u.Profile) {
		if v, ok := profileMap(u.Profile)["address"]; ok && v != nil {
			vals[ciAddress] = claimVal{kind: kindAny, v: v}
		}
	}
	if has(ScopeRoles) {
		vals[ciRoles] = claimVal{kind: kindStrings, ss: d.Roles}
	}
	if !forIDToken {
		if has(ScopeCustomData) {
			vals[ciCustomData] = objectClaim(u.CustomData)
		}
		if has(ScopeIdentities) {
			vals[ciIdentities] = objectClaim(u.Identities)
			vals[ciSSOIdentities] = claimVal{kind: kindRaw, raw: emptyArray}
		}
	}
	return vals
}

// AppendUserClaims appends the JSON object of the user's claims (see
// userClaimVals) to dst, keys sorted: byte for byte what json.Marshal gives
// for the map of the reference UserClaims (claims_ref_test.go), without
// building a map or encoding by reflection (userinfo's hot path).
func AppendUserClaims(dst []byte, d UserData, scopes []string, forIDToken bool) ([]byte, error) {
	vals := userClaimVals(d, scopes, forIDToken)
	dst = append(dst, '{')
	first := true
	for i := range vals {
		if vals[i].kind == kindNone {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		var err error
		if dst, err = appendMember(dst, claimKeys[i], &vals[i], i == ciSub); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendMember appends "key":value. A kindNullable empty string is null
// unless keepEmpty (sub is always a string).
func appendMember(dst []byte, key string, cv *claimVal, keepEmpty bool) ([]byte, error) {
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	switch cv.kind {
	case kindNullable:
		if cv.s == "" && !keepEmpty {
			return append(dst, "null"...), nil
		}
		return AppendJSONString(dst, cv.s), nil
	case kindBool:
		return strconv.AppendBool(dst, cv.b), nil
	case kindInt:
		return strconv.AppendInt(dst, cv.n, 10), nil
	case kindStrings:
		dst = append(dst, '[')
		for j, s := range cv.ss {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, s)
		}
		return append(dst, ']'), nil
	case kindRaw:
		return append(dst, cv.raw...), nil
	}
	b, err := json.Marshal(cv.v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// idClaim is a registered claim of an ID token.
type idClaim struct {
	key string
	val claimVal
}

// appendIDClaims appends the claims of t (registered ones and t.User's by
// t.Scopes) as one JSON object, byte for byte what json.Marshal gives for
// them as a map (tested): members sorted by key, a user claim never
// replacing a registered one (sub is the only name both have).
func appendIDClaims(dst []byte, iss string, t *IDToken) ([]byte, error) {
	// Sorted by key; absent ones are left out.
	reg := make([]idClaim, 0, 10)
	if len(t.AMR) > 0 {
		reg = append(reg, idClaim{"amr", claimVal{kind: kindStrings, ss: t.AMR}})
	}
	if t.AccessToken != "" {
		reg = append(reg, idClaim{"at_hash", claimVal{kind: kindNullable, s: ATHash(t.AccessToken)}})
	}
	reg = append(reg, idClaim{"aud", claimVal{kind: kindNullable, s: t.Audience}})
	if !t.AuthTime.IsZero() {
		reg = append(reg, idClaim{"auth_time", claimVal{kind: kindInt, n: t.AuthTime.Unix()}})
	}
	reg = append(reg, idClaim{"exp", claimVal{kind: kindInt, n: t.ExpiresAt.Unix()}},
		idClaim{"iat", claimVal{kind: kindInt, n: t.IssuedAt.Unix()}},
		idClaim{"iss", claimVal{kind: kindNullable, s: iss}})
	if t.Nonce != "" {
		reg = append(reg, idClaim{"nonce", claimVal{kind: kindNullable, s: t.Nonce}})
	}
	if sid := SID(t.SessionID); sid != "" {
		reg = append(reg, idClaim{"sid", claimVal{kind: kindNullable, s: sid}})
	}
	reg = append(reg, idClaim{"sub", claimVal{kind: kindNullable, s: t.Subject}})

	var vals [len(claimKeys)]claimVal
	if t.User != nil {
		vals = userClaimVals(*t.User, t.Scopes, true)
		vals[ciSub].kind = kindNone // the registered sub
	}
	dst = append(dst, '{')
	var err error
	r, u := 0, 0
	for first := true; ; first = false {
		for u < len(vals) && vals[u].kind == kindNone {
			u++
		}
		if r == len(reg) && u == len(vals) {
			break
		}
		if !first {
			dst = append(dst, ',')
		}
		if u == len(vals) || r < len(reg) && reg[r].key < claimKeys[u] {
			dst, err = appendMember(dst, reg[r].key, &reg[r].val, true)
			r++
		} else {
			dst, err = appendMember(dst, claimKeys[u], &vals[u], false)
			u++
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

var (
	emptyArray  = []byte("[]")
	emptyObj    = []byte("{}")
	nullLiteral = []byte("null")
)

// emptyObject reports raw JSON that decodes to no claims at all.
func emptyObject(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, emptyObj) || bytes.Equal(raw, nullLiteral)
}

// objectClaim is objectOrEmpty as a claim value.
func objectClaim(raw json.RawMessage) claimVal {
	if emptyObject(raw) {
		return claimVal{kind: kindRaw, raw: emptyObj}
	}
	return claimVal{kind: kindAny, v: objectOrEmpty(raw)}
}

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it (HTML-escaped): plain printable ASCII is copied, anything else
// goes through encoding/json.
func AppendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
