package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse/internal/connector/email"
	"github.com/gatehouse/gatehouse/internal/connector/sms"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/management"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/signinexp"
	"github.com/gatehouse/gatehouse/internal/store"
)

// signIn holds the sign-in experience's dependencies (issue 4): settings,
// verification codes and their connectors, rate limits.
type signIn struct {
	settings *signinexp.Service
	limiter  *ratelimit.Limiter
	codes    interaction.Codes
}

// initSignIn builds the settings service, the e-mail and SMS connectors
// and the store-backed rate limiter.
//
// Without GATEHOUSE_SMTP_URL the install is in development messaging
// mode: e-mail and SMS codes are written to the log, with a loud warning
// at start-up and on every code. With it, e-mail goes over SMTP and SMS is
// unavailable (no SMS provider is built in yet), so a production install
// never logs a code.
func (s *Server) initSignIn() error {
	cfg := s.Config
	var mailer, texter interaction.CodeSender
	if cfg.SMTPURL != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil {
			return fmt.Errorf("endpoint: %w", err)
		}
		smtp, err := email.NewSMTP(email.Config{
			URL:  cfg.SMTPURL,
			From: "Gatehouse <no-reply@" + u.Hostname() + ">",
			Now:  s.now,
		})
		if err != nil {
			return fmt.Errorf("GATEHOUSE_SMTP_URL: %w", err)
		}
		mailer = smtp
	} else {
		s.Logger.Warn("GATEHOUSE_SMTP_URL is not set: verification codes will be WRITTEN TO THIS LOG instead of being e-mailed. " +
			"Development only: anyone who can read the log can take over accounts.")
		mailer = &email.DevLog{Logger: s.Logger}
		texter = &sms.DevLog{Logger: s.Logger}
	}

	s.signIn.settings = signinexp.New(signinexp.Config{
		Store:    s.Store,
		Channels: signinexp.Channels{Email: true, SMS: texter != nil},
		Logger:   s.Logger,
		Now:      s.now,
	})
	s.SignInExp = s.signIn.settings
	s.signIn.limiter = ratelimit.New(ratelimit.Config{Store: s.Store, Logger: s.Logger, Now: s.now})
	s.signIn.codes = interaction.Codes{
		Store:  s.Store,
		Users:  s.Users,
		Email:  mailer,
		SMS:    texter,
		Secret: deriveKey(cfg.SecretKey, "verification-codes"),
	}
	return nil
}

// publicSignInExp is the experience handler's PublicSettings hook.
// With appID it applies that application's branding (an unknown ID is
// ignored, as a stale link must still show a sign-in page).
func (s *Server) publicSignInExp(ctx context.Context, appID string) (any, error) {
	doc, err := s.signIn.settings.Public(ctx, s.socialConnectorsFor)
	if err != nil || appID == "" {
		return doc, err
	}
	app, err := s.Store.GetApplication(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return doc, nil
	}
	if err != nil {
		return nil, err
	}
	return doc.WithApplication(app), nil
}

// socialConnector is a social connector as the sign-in UI sees it (a
// subset of Logto's ConnectorMetadata plus the connector ID).
type socialConnector struct {
	ID       string  `json:"id"`
	Target   string  `json:"target"`
	Platform string  `json:"platform"`
	Name     string  `json:"name"`
	Logo     string  `json:"logo"`
	LogoDark *string `json:"logoDark"`
}

// socialConnectorsFor lists the connectors of the enabled targets, in the
// targets' order, as Logto's getFullSignInExperience does.
func (s *Server) socialConnectorsFor(ctx context.Context, targets []string) ([]any, error) {
	if s.Social == nil || len(targets) == 0 {
		return nil, nil
	}
	all, err := s.Social.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, target := range targets {
		for _, c := range all {
			if c.Target == target {
				out = append(out, socialConnector{ID: c.ID, Target: c.Target, Platform: "Universal", Name: c.Name, Logo: c.Logo})
			}
		}
	}
	return out, nil
}

// mountManagement mounts the Management API behind its authorizer.
func (s *Server) mountManagement(mux *http.ServeMux) {
	management.New(management.Config{
		Auth: management.NewAuthorizer(management.AuthConfig{
			Keys: s.Keys, Issuer: s.Config.Issuer(), Audience: management.DefaultIndicator, Now: s.now,
		}),
		SignInExp: s.signIn.settings,
		Social:    s.Social,
		Logger:    s.Logger,
		Now:       s.now,
	}).Mount(mux)
}
