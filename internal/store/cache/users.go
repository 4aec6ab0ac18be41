package cache

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Every write that changes a users row drops that user's cached entry:
// create (a cached miss is never stored, but a re-created ID must not see
// an old row), bulk create, update, delete and identity (un)linking, which
// rewrites users.identities.

func users(ids ...string) func(*invalidations) {
	return func(inv *invalidations) { inv.users = append(inv.users, ids...) }
}

// deletedUser also drops user resource scopes: the user's roles go with it.
func deletedUser(id string) func(*invalidations) {
	return func(inv *invalidations) {
		inv.users = append(inv.users, id)
		inv.allUserScopes = true
	}
}

func userIDs(us []store.User) []string {
	ids := make([]string, len(us))
	for i := range us {
		ids[i] = us[i].ID
	}
	return ids
}

func (c *Store) CreateUser(ctx context.Context, u *store.User) error {
	err := c.Store.CreateUser(ctx, u)
	c.note(users(u.ID))
	return err
}
func (t *txStore) CreateUser(ctx context.Context, u *store.User) error {
	err := t.Store.CreateUser(ctx, u)
	t.note(users(u.ID))
	return err
}

// CreateUsers passes store.BulkUsers through when the wrapped store has it.
// IDs are read after the call: CreateUsers fills empty ones in the slice.
func createUsers(w writer, st store.Store, ctx context.Context, us []store.User) error {
	bulk, ok := st.(store.BulkUsers)
	if !ok {
		return fmt.Errorf("create users: %T cannot create users in bulk", st)
	}
	err := bulk.CreateUsers(ctx, us)
	w.note(users(userIDs(us)...))
	return err
}

func (c *Store) CreateUsers(ctx context.Context, us []store.User) error {
	return createUsers(c, c.Store, ctx, us)
}
func (t *txStore) CreateUsers(ctx context.Context, us []store.User) error {
	return createUsers(t, t.Store, ctx, us)
}

func (c *Store) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	u, err := c.Store.UpdateUser(ctx, id, update)
	c.note(users(id))
	return u, err
}
func (t *txStore) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	u, err := t.Store.UpdateUser(ctx, id, update)
	t.note(users(id))
	return u, err
}

func (c *Store) DeleteUser(ctx context.Context, id string) error {
	err := c.Store.DeleteUser(ctx, id)
	c.note(deletedUser(id))
	return err
}
func (t *txStore) DeleteUser(ctx context.Context, id string) error {
	err := t.Store.DeleteUser(ctx, id)
	t.note(deletedUser(id))
	return err
}

func (c *Store) LinkUserIdentity(ctx context.Context, i *store.UserIdentity) error {
	err := c.Store.LinkUserIdentity(ctx, i)
	c.note(users(i.UserID))
	return err
}
func (t *txStore) LinkUserIdentity(ctx context.Context, i *store.UserIdentity) error {
	err := t.Store.LinkUserIdentity(ctx, i)
	t.note(users(i.UserID))
	return err
}

func (c *Store) UnlinkUserIdentity(ctx context.Context, userID, target string) error {
	err := c.Store.UnlinkUserIdentity(ctx, userID, target)
	c.note(users(userID))
	return err
}
func (t *txStore) UnlinkUserIdentity(ctx context.Context, userID, target string) error {
	err := t.Store.UnlinkUserIdentity(ctx, userID, target)
	t.note(users(userID))
	return err
}
