package cache

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/store"
)

// writer is where a write records what it invalidates: directly on the
// Store, or on a transaction's list (applied after it ends).
type writer interface {
	note(ctx context.Context, err error, f func(inv *invalidations))
}

// note drops what a write outside a transaction affected, here at once and
// on the other nodes through the bus; err is the write's result.
func (c *Store) note(ctx context.Context, err error, f func(inv *invalidations)) {
	var inv invalidations
	f(&inv)
	c.apply(&inv)
	c.publish(ctx, &inv, err)
}

// txStore is the Store handed to an InTx callback.
type txStore struct {
	store.Store
	inv *invalidations
}

// note records what a write inside a transaction affects; InTx applies and
// publishes it when the transaction has ended.
func (t *txStore) note(_ context.Context, _ error, f func(inv *invalidations)) {
	t.inv.mu.Lock()
	f(t.inv)
	t.inv.mu.Unlock()
}

// InTx inside a transaction joins it, keeping the tracking.
func (t *txStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return t.Store.InTx(ctx, func(tx store.Store) error { return fn(&txStore{Store: tx, inv: t.inv}) })
}

func app(id string) func(*invalidations) {
	return func(inv *invalidations) { inv.apps = append(inv.apps, id) }
}

// deletedApp also drops every cached token: the app's tokens go with it.
func deletedApp(id string) func(*invalidations) {
	return func(inv *invalidations) {
		inv.apps = append(inv.apps, id)
		allTokens(inv)
	}
}
func secrets(id string) func(*invalidations) {
	return func(inv *invalidations) { inv.secrets = append(inv.secrets, id) }
}
func resources(inv *invalidations) {
	inv.allResources, inv.allScopes, inv.allUserScopes = true, true, true
}
func scopes(inv *invalidations) { inv.allScopes, inv.allUserScopes = true, true }

// The write methods below pass through and drop what they affect. They are
// defined once for both Store and txStore through these helpers.

func updateApplication(w writer, st store.Store, ctx context.Context, id string, update func(*store.Application) error) (*store.Application, error) {
	a, err := st.UpdateApplication(ctx, id, update)
	w.note(ctx, err, app(id))
	return a, err
}

func (c *Store) UpdateApplication(ctx context.Context, id string, update func(*store.Application) error) (*store.Application, error) {
	return updateApplication(c, c.Store, ctx, id, update)
}
func (t *txStore) UpdateApplication(ctx context.Context, id string, update func(*store.Application) error) (*store.Application, error) {
	return updateApplication(t, t.Store, ctx, id, update)
}

func (c *Store) DeleteApplication(ctx context.Context, id string) error {
	err := c.Store.DeleteApplication(ctx, id)
	c.note(ctx, err, deletedApp(id))
	return err
}
func (t *txStore) DeleteApplication(ctx context.Context, id string) error {
	err := t.Store.DeleteApplication(ctx, id)
	t.note(ctx, err, deletedApp(id))
	return err
}

func (c *Store) AddApplicationSecret(ctx context.Context, s *store.ApplicationSecret) error {
	err := c.Store.AddApplicationSecret(ctx, s)
	c.note(ctx, err, secrets(s.ApplicationID))
	return err
}
func (t *txStore) AddApplicationSecret(ctx context.Context, s *store.ApplicationSecret) error {
	err := t.Store.AddApplicationSecret(ctx, s)
	t.note(ctx, err, secrets(s.ApplicationID))
	return err
}

func (c *Store) DeleteApplicationSecret(ctx context.Context, appID, name string) error {
	err := c.Store.DeleteApplicationSecret(ctx, appID, name)
	c.note(ctx, err, secrets(appID))
	return err
}
func (t *txStore) DeleteApplicationSecret(ctx context.Context, appID, name string) error {
	err := t.Store.DeleteApplicationSecret(ctx, appID, name)
	t.note(ctx, err, secrets(appID))
	return err
}

func (c *Store) UpdateResource(ctx context.Context, id string, update func(*store.Resource) error) (*store.Resource, error) {
	r, err := c.Store.UpdateResource(ctx, id, update)
	c.note(ctx, err, resources)
	return r, err
}
func (t *txStore) UpdateResource(ctx context.Context, id string, update func(*store.Resource) error) (*store.Resource, error) {
	r, err := t.Store.UpdateResource(ctx, id, update)
	t.note(ctx, err, resources)
	return r, err
}

func (c *Store) DeleteResource(ctx context.Context, id string) error {
	err := c.Store.DeleteResource(ctx, id)
	c.note(ctx, err, resources)
	return err
}
func (t *txStore) DeleteResource(ctx context.Context, id string) error {
	err := t.Store.DeleteResource(ctx, id)
	t.note(ctx, err, resources)
	return err
}

// Role and scope changes alter resource scopes held by apps and users.

func (c *Store) DeleteScope(ctx context.Context, id string) error {
	err := c.Store.DeleteScope(ctx, id)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) DeleteScope(ctx context.Context, id string) error {
	err := t.Store.DeleteScope(ctx, id)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) DeleteRole(ctx context.Context, id string) error {
	err := c.Store.DeleteRole(ctx, id)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) DeleteRole(ctx context.Context, id string) error {
	err := t.Store.DeleteRole(ctx, id)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error {
	err := c.Store.AddRoleScopes(ctx, roleID, scopeIDs)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error {
	err := t.Store.AddRoleScopes(ctx, roleID, scopeIDs)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) RemoveRoleScope(ctx context.Context, roleID, scopeID string) error {
	err := c.Store.RemoveRoleScope(ctx, roleID, scopeID)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) RemoveRoleScope(ctx context.Context, roleID, scopeID string) error {
	err := t.Store.RemoveRoleScope(ctx, roleID, scopeID)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	err := c.Store.AssignUserRoles(ctx, userID, roleIDs)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	err := t.Store.AssignUserRoles(ctx, userID, roleIDs)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) UnassignUserRole(ctx context.Context, userID, roleID string) error {
	err := c.Store.UnassignUserRole(ctx, userID, roleID)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) UnassignUserRole(ctx context.Context, userID, roleID string) error {
	err := t.Store.UnassignUserRole(ctx, userID, roleID)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) AssignApplicationRoles(ctx context.Context, appID string, roleIDs []string) error {
	err := c.Store.AssignApplicationRoles(ctx, appID, roleIDs)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) AssignApplicationRoles(ctx context.Context, appID string, roleIDs []string) error {
	err := t.Store.AssignApplicationRoles(ctx, appID, roleIDs)
	t.note(ctx, err, scopes)
	return err
}

func (c *Store) UnassignApplicationRole(ctx context.Context, appID, roleID string) error {
	err := c.Store.UnassignApplicationRole(ctx, appID, roleID)
	c.note(ctx, err, scopes)
	return err
}
func (t *txStore) UnassignApplicationRole(ctx context.Context, appID, roleID string) error {
	err := t.Store.UnassignApplicationRole(ctx, appID, roleID)
	t.note(ctx, err, scopes)
	return err
}
