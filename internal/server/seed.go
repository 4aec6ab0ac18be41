package server

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
)

// DemoAppID is the built-in demo application's client ID, as in Logto.
const DemoAppID = "demo-app"

// seed creates what a first start needs: the Management API resource and
// role (seed_management.go) and the demo app. It is idempotent, so every
// start (and every node) may run it.
func (s *Server) seed(ctx context.Context) error {
	if err := s.seedManagementAPI(ctx); err != nil {
		return err
	}
	_, err := s.Store.GetApplication(ctx, DemoAppID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	demo := s.Config.Endpoint + "/demo-app"
	_, _, err = s.Apps.CreateWithID(ctx, DemoAppID, application.CreateInput{
		Name:                   "Live Preview",
		Description:            "Preview of the sign-in experience (built in)",
		Type:                   store.AppSPA,
		RedirectURIs:           []string{demo},
		PostLogoutRedirectURIs: []string{demo},
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // another node seeded it first
	}
	return err
}
