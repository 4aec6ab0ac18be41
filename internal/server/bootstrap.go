package server

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/management"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Credentials are what automation needs to call the Management API: an M2M
// app's client ID and secret, the resource to ask a token for, and where.
type Credentials struct {
	ID            string `json:"id"`
	Secret        string `json:"secret"`
	Resource      string `json:"resource"`
	TokenEndpoint string `json:"tokenEndpoint"`
}

// Bootstrap creates a MachineToMachine app holding the Management API
// role, in one transaction, and returns its credentials. The secret is
// only ever shown here (it is stored hashed).
func (s *Server) Bootstrap(ctx context.Context, name string) (*Credentials, error) {
	if name == "" {
		name = "Management API bootstrap"
	}
	role, err := s.Store.GetRoleByName(ctx, ManagementRoleName)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: management role: %w", err)
	}
	var out *Credentials
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		apps := &application.Service{Store: tx, Now: s.Apps.Now, SecretKey: s.Apps.SecretKey}
		app, secret, err := apps.Create(ctx, application.CreateInput{
			Name:        name,
			Description: "Machine-to-machine access to the Management API, created by gatehouse bootstrap",
			Type:        store.AppMachineToMachine,
		})
		if err != nil {
			return err
		}
		if err := tx.AssignApplicationRoles(ctx, app.ID, []string{role.ID}); err != nil {
			return err
		}
		out = &Credentials{ID: app.ID, Secret: secret, Resource: management.DefaultIndicator,
			TokenEndpoint: s.Config.Issuer() + "/token"}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return out, nil
}
