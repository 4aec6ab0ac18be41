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

// deletedUser also drops user resource scopes and every cached token: the
// user's roles and tokens go with it.
func deletedUser(id string) func(*invalidations) {
	return func(inv *invalidations) {
		inv.users = append(inv.users, id)
		inv.allUserScopes = true
		allTokens(inv)
	}
}

// updatedUser drops the user and, when the update suspended or reinstated
// them, every cached token too (userinfo and introspection also check the
// user, but a suspension must not wait on any cache).
func updatedUser(id string, suspension bool) func(*invalidations) {
	return func(inv *invalidations) {
		inv.users = append(inv.users, id)
		if suspension {
			allTokens(inv)
		}
	}
}

// updateUser runs UpdateUser, noting whether update changed IsSuspended.
func updateUser(w writer, st store.Store, ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	suspension := false
	u, err := st.UpdateUser(ctx, id, func(u *store.User) error {
		was := u.IsSuspended
		err := update(u)
		suspension = suspension || u.IsSuspended != was
		return err
	})
	w.note(ctx, err, updatedUser(id, suspension))
	return u, err
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
	c.note(ctx, err, users(u.ID))
	return err
}
func (t *txStore) CreateUser(ctx context.Context, u *store.User) error {
	err := t.Store.CreateUser(ctx, u)
	t.note(ctx, err, users(u.ID))
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
	w.note(ctx, err, users(userIDs(us)...))
	return err
}

func (c *Store) CreateUsers(ctx context.Context, us []store.User) error {
	return createUsers(c, c.Store, ctx, us)
}
func (t *txStore) CreateUsers(ctx context.Context, us []store.User) error {
	return createUsers(t, t.Store, ctx, us)
}

func (c *Store) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	return updateUser(c, c.Store, ctx, id, update)
}
func (t *txStore) UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error) {
	return updateUser(t, t.Store, ctx, id, update)
}

func (c *Store) DeleteUser(ctx context.Context, id string) error {
	err := c.Store.DeleteUser(ctx, id)
	c.note(ctx, err, deletedUser(id))
	return err
}
func (t *txStore) DeleteUser(ctx context.Context, id string) error {
	err := t.Store.DeleteUser(ctx, id)
	t.note(ctx, err, deletedUser(id))
	return err
}

func (c *Store) LinkUserIdentity(ctx context.Context, i *store.UserIdentity) error {
	err := c.Store.LinkUserIdentity(ctx, i)
	c.note(ctx, err, users(i.UserID))
	return err
}
func (t *txStore) LinkUserIdentity(ctx context.Context, i *store.UserIdentity) error {
	err := t.Store.LinkUserIdentity(ctx, i)
	t.note(ctx, err, users(i.UserID))
	return err
}

func (c *Store) UnlinkUserIdentity(ctx context.Context, userID, target string) error {
	err := c.Store.UnlinkUserIdentity(ctx, userID, target)
	c.note(ctx, err, users(userID))
	return err
}
func (t *txStore) UnlinkUserIdentity(ctx context.Context, userID, target string) error {
	err := t.Store.UnlinkUserIdentity(ctx, userID, target)
	t.note(ctx, err, users(userID))
	return err
}
