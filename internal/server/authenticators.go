package server

import (
	"fmt"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/seal"
)

// initAuthenticators builds MFA and social sign-in: TOTP keys and
// connector client secrets are sealed with keys derived from the secret
// key, backup codes hashed with a third; the WebAuthn relying party is the
// public endpoint.
func (s *Server) initAuthenticators() error {
	cfg := s.Config
	mfaBox, err := seal.New(deriveKey(cfg.SecretKey, "mfa-totp"))
	if err != nil {
		return err
	}
	connectorBox, err := seal.New(deriveKey(cfg.SecretKey, "connector-secrets"))
	if err != nil {
		return err
	}
	rp, err := mfa.NewRelyingParty(cfg.Endpoint, "Gatehouse")
	if err != nil {
		// WebAuthn needs a domain name (browsers refuse an IP address as
		// the relying party); TOTP and backup codes work regardless.
		s.Logger.Warn("passkeys disabled: the endpoint cannot be a WebAuthn relying party", "err", err)
		rp = nil
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return fmt.Errorf("endpoint: %w", err)
	}
	s.Social = &social.Service{Store: s.Store, Box: connectorBox, Now: s.now}
	s.auth = interaction.Authenticators{
		Store:       s.Store,
		Box:         mfaBox,
		BackupCodes: mfa.NewBackupCodeHasher(deriveKey(cfg.SecretKey, "mfa-backup-codes")),
		WebAuthn:    rp,
		TOTPIssuer:  u.Hostname(),
		Social:      s.Social,
	}
	return nil
}
