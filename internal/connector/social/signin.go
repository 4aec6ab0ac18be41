package social

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/id"
)

// providerTTL bounds how long a discovery document is reused. Keys are
// refreshed by go-oidc itself when an unknown kid shows up.
const providerTTL = 10 * time.Minute

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// Session is what the interaction keeps between AuthorizationURI and
// Verify. It is server-side state: the PKCE verifier never reaches the
// browser.
type Session struct {
	State        string `json:"state"`
	RedirectURI  string `json:"redirectUri"`
	Nonce        string `json:"nonce"`
	CodeVerifier string `json:"codeVerifier"`
}

// UserInfo is the identity a provider vouched for (Logto's SocialUserInfo).
type UserInfo struct {
	// ID is the subject at the provider.
	ID string `json:"id"`
	// Email is set only when the provider says it is verified.
	Email  string `json:"email,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Name   string `json:"name,omitempty"`
	Avatar string `json:"avatar,omitempty"`
}

// Started is AuthorizationURI's result.
type Started struct {
	URI       string
	Session   Session
	Connector *Connector
}

// AuthorizationURI starts a sign-in with connector id: the URL to send the
// browser to, carrying the UI's state and redirect URI, a fresh nonce and
// a PKCE S256 challenge.
func (s *Service) AuthorizationURI(ctx context.Context, connectorID, state, redirectURI string) (*Started, error) {
	c, cfg, err := s.connector(ctx, connectorID)
	if err != nil {
		return nil, err
	}
	p, err := s.provider(ctx, cfg.Config.Issuer)
	if err != nil {
		return nil, err
	}
	sess := Session{State: state, RedirectURI: redirectURI, Nonce: id.NewToken(), CodeVerifier: oauth2.GenerateVerifier()}
	conf := oauth2Config(cfg, p, "", redirectURI)
	uri := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(sess.CodeVerifier), oidc.Nonce(sess.Nonce))
	return &Started{URI: uri, Session: sess, Connector: c}, nil
}

// Verify finishes a sign-in from the callback's parameters (Logto's
// connectorData: code, state, and error when the provider refused).
func (s *Service) Verify(ctx context.Context, connectorID string, sess Session, data map[string]string) (*UserInfo, error) {
	_, cfg, err := s.connector(ctx, connectorID)
	if err != nil {
		return nil, err
	}
	if e := data["error"]; e != "" {
		return nil, wrap(ErrDenied, fmt.Errorf("provider error %q", e))
	}
	if data["state"] != sess.State || data["code"] == "" || sess.CodeVerifier == "" {
		return nil, ErrStateMismatch
	}
	p, err := s.provider(ctx, cfg.Config.Issuer)
	if err != nil {
		return nil, err
	}
	ctx = oidc.ClientContext(ctx, s.client())
	conf := oauth2Config(cfg, p, cfg.secret, sess.RedirectURI)
	tok, err := conf.Exchange(ctx, data["code"], oauth2.VerifierOption(sess.CodeVerifier))
	if err != nil {
		return nil, exchangeError(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, wrap(ErrInvalidCode, errors.New("token response has no id_token"))
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: cfg.Config.ClientID, Now: s.now}).Verify(ctx, rawID)
	if err != nil {
		return nil, wrap(ErrInvalidCode, fmt.Errorf("id token: %w", err))
	}
	if idt.Nonce != sess.Nonce {
		return nil, wrap(ErrInvalidCode, errors.New("id token nonce mismatch"))
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, wrap(ErrInvalidCode, fmt.Errorf("id token claims: %w", err))
	}
	// Providers that keep profile claims out of the ID token answer them
	// at userinfo; the ID token stays authoritative for the subject.
	if p.UserInfoEndpoint() != "" && (c.Email == "" || c.Name == "") {
		if info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && info.Subject == idt.Subject {
			var more claims
			if info.Claims(&more) == nil {
				c.merge(more)
			}
		}
	}
	return c.userInfo(idt.Subject), nil
}

// claims are the standard claims (OIDC Core §5.1) Gatehouse reads.
type claims struct {
	Email               string `json:"email"`
	EmailVerified       any    `json:"email_verified"`
	PhoneNumber         string `json:"phone_number"`
	PhoneNumberVerified any    `json:"phone_number_verified"`
	Name                string `json:"name"`
	PreferredUsername   string `json:"preferred_username"`
	Picture             string `json:"picture"`
}

func (c *claims) merge(o claims) {
	if c.Email == "" {
		c.Email, c.EmailVerified = o.Email, o.EmailVerified
	}
	if c.PhoneNumber == "" {
		c.PhoneNumber, c.PhoneNumberVerified = o.PhoneNumber, o.PhoneNumberVerified
	}
	if c.Name == "" {
		c.Name = o.Name
	}
	if c.PreferredUsername == "" {
		c.PreferredUsername = o.PreferredUsername
	}
	if c.Picture == "" {
		c.Picture = o.Picture
	}
}

// verified reads a boolean claim that some providers send as a string.
func verified(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

func (c *claims) userInfo(sub string) *UserInfo {
	u := &UserInfo{ID: sub, Name: c.Name, Avatar: c.Picture}
	if u.Name == "" {
		u.Name = c.PreferredUsername
	}
	if verified(c.EmailVerified) {
		u.Email = c.Email
	}
	if verified(c.PhoneNumberVerified) {
		u.Phone = c.PhoneNumber
	}
	return u
}

// exchangeError tells a refused code (the provider answered with an OAuth
// error) from a provider that could not be reached.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return wrap(ErrInvalidCode, fmt.Errorf("token endpoint: %w", err))
	}
	return wrap(ErrUnavailable, fmt.Errorf("token endpoint: %w", err))
}

// connectorConfig is a loaded connector with its opened secret.
type connectorConfig struct {
	Config
	secret string
}

func (s *Service) connector(ctx context.Context, connectorID string) (*Connector, *connectorConfig, error) {
	row, err := s.load(ctx, connectorID)
	if err != nil {
		return nil, nil, err
	}
	c, err := toConnector(row)
	if err != nil {
		return nil, nil, err
	}
	cfg := &connectorConfig{Config: c.Config}
	if len(row.SealedSecret) > 0 {
		secret, err := s.Box.Open(sealContext(row.ID), row.SealedSecret)
		if err != nil {
			return nil, nil, fmt.Errorf("social connector %s: client secret: %w", row.ID, err)
		}
		cfg.secret = string(secret)
	}
	return c, cfg, nil
}

// provider returns the issuer's discovered configuration, cached for
// providerTTL.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := time.Now()
	if v, ok := s.providers.Load(issuer); ok {
		if cp := v.(*cachedProvider); now.Sub(cp.fetched) < providerTTL {
			return cp.p, nil
		}
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client()), issuer)
	if err != nil {
		return nil, wrap(ErrUnavailable, fmt.Errorf("discovery of %s: %w", issuer, err))
	}
	s.providers.Store(issuer, &cachedProvider{p: p, fetched: now})
	return p, nil
}

func oauth2Config(cfg *connectorConfig, p *oidc.Provider, secret, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: p.Endpoint(), Scopes: strings.Fields(cfg.Scope),
	}
}
