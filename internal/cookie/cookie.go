// Package cookie writes and reads Gatehouse's browser cookies: the
// interaction cookie (one sign-in in progress) and the session cookie (SSO).
// Values are signed with HMAC-SHA256 so a cookie cannot be forged or moved
// between names; the IDs inside are 256-bit random anyway, the signature
// lets us reject tampering before touching the store.
package cookie

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// Names of the cookies Gatehouse sets.
const (
	Interaction = "gatehouse_interaction"
	Session     = "gatehouse_session"
)

// Codec signs and verifies cookie values.
type Codec struct {
	key []byte
	// Secure marks cookies Secure (the endpoint is HTTPS).
	Secure bool
}

// NewCodec returns a Codec with the given HMAC key (at least 32 bytes).
func NewCodec(key []byte, secure bool) *Codec {
	return &Codec{key: append([]byte(nil), key...), Secure: secure}
}

func (c *Codec) mac(name, value string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Set writes cookie name=value (signed), HttpOnly, SameSite=Lax, path /.
// maxAge zero makes a browser-session cookie.
func (c *Codec) Set(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name:     name,
		Value:    value + "." + c.mac(name, value),
		Path:     "/",
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, ck)
}

// Get returns the verified value of cookie name, or "" if it is absent or
// its signature is wrong.
func (c *Codec) Get(r *http.Request, name string) string {
	ck, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	value, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || value == "" {
		return ""
	}
	if !hmac.Equal([]byte(sig), []byte(c.mac(name, value))) {
		return ""
	}
	return value
}

// Clear deletes cookie name.
func (c *Codec) Clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}
