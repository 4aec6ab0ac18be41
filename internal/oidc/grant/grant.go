package grant

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Grant type names (RFC 6749 §4.1.3, §4.4.2, §6).
const (
	TypeAuthorizationCode = "authorization_code"
	TypeRefreshToken      = "refresh_token"
	TypeClientCredentials = "client_credentials"
)

// Request is a token request whose client is already authenticated.
type Request struct {
	Client *store.Application
	// AuthMethod is how the client authenticated (none,
	// client_secret_basic, client_secret_post …).
	AuthMethod string
	// Params holds the form; every parameter is single-valued except
	// "resource", which the endpoint has already split on commas.
	Params url.Values
}

// Get returns a single-valued parameter.
func (r *Request) Get(name string) string { return r.Params.Get(name) }

// Response is the token response body (RFC 6749 §5.1). scope is always
// present, even empty, as Logto answers.
type Response struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope"`
}

// AppendJSON appends the response as JSON to dst: byte for byte what
// json.Marshal gives for it (tested), without reflection.
func (r *Response) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"access_token":`...)
	dst = token.AppendJSONString(dst, r.AccessToken)
	dst = append(dst, `,"token_type":`...)
	dst = token.AppendJSONString(dst, r.TokenType)
	dst = append(dst, `,"expires_in":`...)
	dst = strconv.AppendInt(dst, r.ExpiresIn, 10)
	if r.RefreshToken != "" {
		dst = append(dst, `,"refresh_token":`...)
		dst = token.AppendJSONString(dst, r.RefreshToken)
	}
	if r.IDToken != "" {
		dst = append(dst, `,"id_token":`...)
		dst = token.AppendJSONString(dst, r.IDToken)
	}
	dst = append(dst, `,"scope":`...)
	dst = token.AppendJSONString(dst, r.Scope)
	return append(dst, '}')
}

// Grant exchanges one kind of credential for tokens.
type Grant interface {
	Exchange(ctx context.Context, req *Request) (*Response, error)
}

// Store is the part of the store the grants use.
type Store interface {
	ConsumeAuthorizationCode(ctx context.Context, hash []byte, now time.Time) (*store.AuthorizationCode, error)
	CreateToken(ctx context.Context, t *store.Token) error
	GetToken(ctx context.Context, hash []byte, now time.Time) (*store.Token, error)
	RotateToken(ctx context.Context, oldHash []byte, next *store.Token, now time.Time) error
	RevokeLiveGrant(ctx context.Context, grantID string, now time.Time) (int, error)
	DeleteGrantTokens(ctx context.Context, grantID string) (int, error)
	GetUser(ctx context.Context, id string) (*store.User, error)
	ListUserRoles(ctx context.Context, userID string) ([]store.Role, error)
	GetResourceByIndicator(ctx context.Context, indicator string) (*store.Resource, error)
	UserResourceScopes(ctx context.Context, userID, resourceID string) ([]string, error)
	ApplicationResourceScopes(ctx context.Context, appID, resourceID string) ([]string, error)
	GetGrant(ctx context.Context, userID, clientID string, now time.Time) (*store.Grant, error)
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

// Deps are what the grants share.
type Deps struct {
	Store  Store
	Minter *token.Minter
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Default returns the grants Gatehouse offers, keyed by grant_type.
func Default(d Deps) map[string]Grant {
	return map[string]Grant{
		TypeAuthorizationCode: &AuthorizationCode{Deps: d},
		TypeRefreshToken:      &RefreshToken{Deps: d},
		TypeClientCredentials: &ClientCredentials{Deps: d},
	}
}

// Allowed reports whether client may use grantType (logto-reference.md §7):
// MachineToMachine apps only client_credentials, the interactive types the
// code and refresh grants.
func Allowed(client *store.Application, grantType string) bool {
	switch client.Type {
	case store.AppMachineToMachine:
		return grantType == TypeClientCredentials
	case store.AppSPA, store.AppNative, store.AppTraditional:
		return grantType == TypeAuthorizationCode || grantType == TypeRefreshToken
	}
	return false
}
