package user

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newService(t *testing.T) (*Service, store.Store) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Service{Store: st, Now: func() time.Time { return t0 }}, st
}

func mustRegister(t *testing.T, s *Service, in RegisterInput) *store.User {
	t.Helper()
	u, err := s.Register(t.Context(), in)
	if err != nil {
		t.Fatalf("Register(%+v): %v", in.Username, err)
	}
	return u
}

func TestRegister(t *testing.T) {
	s, st := newService(t)
	mustRegister(t, s, RegisterInput{Username: "taken", Email: "taken@example.com", Password: "violet-Harbor-92"})

	tests := []struct {
		name    string
		in      RegisterInput
		wantErr error
		code    string
	}{
		{"username and password", RegisterInput{Username: "alice_1", Password: "violet-Harbor-92"}, nil, ""},
		{"email lower-cased", RegisterInput{Email: "Bob@Example.COM", Password: "violet-Harbor-92"}, nil, ""},
		{"no password", RegisterInput{Username: "nopass"}, nil, ""},
		{"username starting with digit", RegisterInput{Username: "1alice", Password: "violet-Harbor-92"}, ErrInvalidUsername, "guard.invalid_input"},
		{"username with dash", RegisterInput{Username: "al-ice", Password: "violet-Harbor-92"}, ErrInvalidUsername, "guard.invalid_input"},
		{"username non-ASCII", RegisterInput{Username: "앨리스", Password: "violet-Harbor-92"}, ErrInvalidUsername, "guard.invalid_input"},
		{"username too long", RegisterInput{Username: "a" + strings.Repeat("b", 128), Password: "violet-Harbor-92"}, ErrInvalidUsername, "guard.invalid_input"},
		{"bad email", RegisterInput{Email: "not-an-email", Password: "violet-Harbor-92"}, ErrInvalidEmail, "guard.invalid_input"},
		{"no identifier", RegisterInput{Password: "violet-Harbor-92"}, ErrMissingIdentifier, "guard.invalid_input"},
		{"username taken", RegisterInput{Username: "taken", Password: "violet-Harbor-92"}, ErrUsernameInUse, "user.username_already_in_use"},
		{"email taken any case", RegisterInput{Email: "TAKEN@example.com", Password: "violet-Harbor-92"}, ErrEmailInUse, "user.email_already_in_use"},
		{"weak password", RegisterInput{Username: "carol", Password: "12345678"}, nil, "password.rejected"},
		{"password with username", RegisterInput{Username: "carol", Password: "carol-is-great"}, nil, "password.rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.Register(t.Context(), tt.in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				got, err := st.GetUser(t.Context(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.PrimaryEmail != strings.ToLower(tt.in.Email) || got.Username != tt.in.Username {
					t.Errorf("stored %q/%q", got.Username, got.PrimaryEmail)
				}
				if (tt.in.Password != "") != (got.PasswordHash != "") {
					t.Errorf("password hash presence wrong: %q", got.PasswordHash)
				}
				if got.PasswordHash != "" && !strings.HasPrefix(got.PasswordHash, "$argon2id$") {
					t.Errorf("hash %q is not argon2id", got.PasswordHash)
				}
				if len(got.ID) != 12 {
					t.Errorf("user ID %q is not 12 characters", got.ID)
				}
				return
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var coded interface{ ErrorCode() string }
			if !errors.As(err, &coded) || coded.ErrorCode() != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	s, st := newService(t)
	ctx := t.Context()
	alice := mustRegister(t, s, RegisterInput{Username: "alice", Email: "alice@example.com", Password: "violet-Harbor-92"})
	suspended := mustRegister(t, s, RegisterInput{Username: "sus", Password: "violet-Harbor-92"})
	if _, err := st.UpdateUser(ctx, suspended.ID, func(u *store.User) error { u.IsSuspended = true; return nil }); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, s, RegisterInput{Username: "nopass"})
	broken := mustRegister(t, s, RegisterInput{Username: "broken", Password: "violet-Harbor-92"})
	if _, err := st.UpdateUser(ctx, broken.ID, func(u *store.User) error { u.PasswordHash = "$argon2id$garbage"; return nil }); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		typ      string
		value    string
		password string
		wantID   string
		wantErr  error
	}{
		{"username", IdentifierUsername, "alice", "violet-Harbor-92", alice.ID, nil},
		{"email", IdentifierEmail, "alice@example.com", "violet-Harbor-92", alice.ID, nil},
		{"email any case", IdentifierEmail, "ALICE@Example.com", "violet-Harbor-92", alice.ID, nil},
		{"wrong password", IdentifierUsername, "alice", "violet-Harbor-93", "", ErrInvalidCredentials},
		{"unknown user", IdentifierUsername, "nobody", "violet-Harbor-92", "", ErrInvalidCredentials},
		{"unknown email", IdentifierEmail, "nobody@example.com", "violet-Harbor-92", "", ErrInvalidCredentials},
		{"malformed email", IdentifierEmail, "nobody", "violet-Harbor-92", "", ErrInvalidCredentials},
		{"no password set", IdentifierUsername, "nopass", "violet-Harbor-92", "", ErrInvalidCredentials},
		{"malformed stored hash", IdentifierUsername, "broken", "violet-Harbor-92", "", ErrInvalidCredentials},
		{"suspended right password", IdentifierUsername, "sus", "violet-Harbor-92", "", ErrSuspended},
		{"suspended wrong password hides suspension", IdentifierUsername, "sus", "nope-nope-nope", "", ErrInvalidCredentials},
		{"unknown type", "nickname", "alice", "violet-Harbor-92", "", ErrInvalidIdentifier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.Authenticate(ctx, tt.typ, tt.value, tt.password)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil {
				if u.ID != tt.wantID {
					t.Fatalf("user %s, want %s", u.ID, tt.wantID)
				}
				// Checking a password signs nobody in: the OP records
				// the sign-in when it makes the session.
				stored, err := st.GetUser(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !stored.LastSignInAt.IsZero() || !stored.UpdatedAt.Equal(alice.UpdatedAt) {
					t.Errorf("password check wrote the user: LastSignInAt %v, UpdatedAt %v (was %v)",
						stored.LastSignInAt, stored.UpdatedAt, alice.UpdatedAt)
				}
			}
		})
	}
}

func TestAuthenticateRehashesWeakHash(t *testing.T) {
	s, st := newService(t)
	ctx := t.Context()
	weak, err := password.HashWith("violet-Harbor-92", password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Create(ctx, NewUser{Username: "legacy", PasswordHash: weak})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, IdentifierUsername, "legacy", "violet-Harbor-92"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetUser(ctx, u.ID)
	if got.PasswordHash == weak || password.NeedsRehash(got.PasswordHash) {
		t.Fatalf("hash not upgraded: %q", got.PasswordHash)
	}
	if ok, _ := password.Verify("violet-Harbor-92", got.PasswordHash); !ok {
		t.Fatal("upgraded hash does not verify")
	}
}

func TestCompleteProfile(t *testing.T) {
	s, _ := newService(t)
	ctx := t.Context()
	mustRegister(t, s, RegisterInput{Username: "taken", Password: "violet-Harbor-92"})
	emailOnly := mustRegister(t, s, RegisterInput{Email: "e@example.com", Password: "violet-Harbor-92"})

	if _, err := s.CompleteProfile(ctx, emailOnly.ID, ProfileUpdate{Username: "taken"}); !errors.Is(err, ErrUsernameInUse) {
		t.Fatalf("taken username: %v", err)
	}
	if _, err := s.CompleteProfile(ctx, emailOnly.ID, ProfileUpdate{PasswordHash: "$argon2id$x"}); !errors.Is(err, ErrPasswordExists) {
		t.Fatalf("existing password: %v", err)
	}
	u, err := s.CompleteProfile(ctx, emailOnly.ID, ProfileUpdate{Username: "newname"})
	if err != nil || u.Username != "newname" {
		t.Fatalf("complete: %v %+v", err, u)
	}
	if _, err := s.CompleteProfile(ctx, emailOnly.ID, ProfileUpdate{Username: "other"}); !errors.Is(err, ErrUsernameExists) {
		t.Fatalf("second username: %v", err)
	}
	if _, err := s.CompleteProfile(ctx, "nosuchuser12", ProfileUpdate{Username: "x_y"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: %v", err)
	}
}

func TestStoreUnavailablePropagates(t *testing.T) {
	s, st := newService(t)
	st.Close()
	_, err := s.Authenticate(context.Background(), IdentifierUsername, "alice", "x")
	if errors.Is(err, ErrInvalidCredentials) || err == nil {
		t.Fatalf("closed store must not look like bad credentials: %v", err)
	}
}
