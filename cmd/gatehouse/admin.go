package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// splitConfigFlags separates the configuration flags (--database-url …)
// from the subcommand's own flags, so both can be given in any order.
func splitConfigFlags(args []string) (cfgArgs, rest []string) {
	known := map[string]bool{"endpoint": true, "addr": true, "database-url": true, "secret-key": true,
		"smtp-url": true, "trust-proxy": true, "session-ttl": true, "log-level": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		if strings.HasPrefix(a, "-") && known[name] {
			cfgArgs = append(cfgArgs, a)
			if !hasValue && i+1 < len(args) {
				cfgArgs = append(cfgArgs, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return cfgArgs, rest
}

// openServer opens the store and services without listening.
func openServer(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) (*server.Server, []string, int) {
	cfgArgs, rest := splitConfigFlags(args)
	cfg, ok := loadConfig(cfgArgs, getenv, stderr)
	if !ok {
		return nil, nil, 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.Open(ctx, cfg, logger)
	if err != nil {
		return nil, nil, fail(stderr, "open", err)
	}
	return srv, rest, 0
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// appJSON is an application as the CLI (and later the Management API)
// prints it, with Logto's field names.
type appJSON struct {
	ID                   string                     `json:"id"`
	Name                 string                     `json:"name"`
	Description          string                     `json:"description"`
	Type                 string                     `json:"type"`
	IsThirdParty         bool                       `json:"isThirdParty"`
	Secret               string                     `json:"secret,omitempty"`
	OIDCClientMetadata   store.OIDCClientMetadata   `json:"oidcClientMetadata"`
	CustomClientMetadata store.CustomClientMetadata `json:"customClientMetadata"`
	CreatedAt            int64                      `json:"createdAt"`
}

func toAppJSON(a *store.Application, secret string) appJSON {
	return appJSON{ID: a.ID, Name: a.Name, Description: a.Description, Type: a.Type, IsThirdParty: a.IsThirdParty,
		Secret: secret, OIDCClientMetadata: a.OIDCClientMetadata, CustomClientMetadata: a.CustomClientMetadata,
		CreatedAt: a.CreatedAt.UnixMilli()}
}

func apps(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	sub := args[0]
	srv, rest, code := openServer(ctx, args[1:], getenv, stderr)
	if srv == nil {
		return code
	}
	defer srv.Close()
	switch sub {
	case "create":
		fs := flag.NewFlagSet("apps create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var in application.CreateInput
		var redirects, postLogout, origins listFlag
		fs.StringVar(&in.Type, "type", "", "Native, SPA, Traditional or MachineToMachine")
		fs.StringVar(&in.Name, "name", "", "display name")
		fs.StringVar(&in.Description, "description", "", "description")
		fs.BoolVar(&in.IsThirdParty, "third-party", false, "third-party app (consent screen)")
		fs.Var(&redirects, "redirect-uri", "allowed redirect URI (repeatable)")
		fs.Var(&postLogout, "post-logout-redirect-uri", "allowed post-logout redirect URI (repeatable)")
		fs.Var(&origins, "cors-origin", "allowed CORS origin (repeatable)")
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		in.RedirectURIs, in.PostLogoutRedirectURIs, in.CORSAllowedOrigins = redirects, postLogout, origins
		app, secret, err := srv.Apps.Create(ctx, in)
		if err != nil {
			return fail(stderr, "apps create", err)
		}
		printJSON(stdout, toAppJSON(app, secret))
	case "list":
		var out []appJSON
		for page := 1; ; page++ {
			list, total, err := srv.Store.ListApplications(ctx, store.Page{Number: page, Size: 100})
			if err != nil {
				return fail(stderr, "apps list", err)
			}
			for i := range list {
				out = append(out, toAppJSON(&list[i], ""))
			}
			if len(out) >= total || len(list) == 0 {
				break
			}
		}
		if out == nil {
			out = []appJSON{}
		}
		printJSON(stdout, out)
	case "delete":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "usage: gatehouse apps delete <id>")
			return 2
		}
		if err := srv.Store.DeleteApplication(ctx, rest[0]); err != nil {
			return fail(stderr, "apps delete", err)
		}
		printJSON(stdout, map[string]string{"deleted": rest[0]})
	default:
		fmt.Fprintf(stderr, "gatehouse apps: unknown subcommand %q\n", sub)
		return 2
	}
	return 0
}

func resources(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	srv, rest, code := openServer(ctx, args[1:], getenv, stderr)
	if srv == nil {
		return code
	}
	defer srv.Close()
	fs := flag.NewFlagSet("resources create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	indicator := fs.String("indicator", "", "resource indicator URI (RFC 8707)")
	name := fs.String("name", "", "display name (default: the indicator)")
	ttl := fs.Int("access-token-ttl", 3600, "access token lifetime in seconds")
	var scopes, assignApps listFlag
	fs.Var(&scopes, "scope", "scope name (repeatable)")
	fs.Var(&assignApps, "assign-app", "MachineToMachine app that gets every scope through a role (repeatable)")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if *indicator == "" || !strings.Contains(*indicator, "://") {
		fmt.Fprintln(stderr, "gatehouse resources create: --indicator must be an absolute URI")
		return 2
	}
	if *ttl < 1 || *ttl > 86400*30 {
		fmt.Fprintln(stderr, "gatehouse resources create: --access-token-ttl must be between 1 and 2592000")
		return 2
	}
	if *name == "" {
		*name = *indicator
	}
	type scopeJSON struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	out := struct {
		ID             string      `json:"id"`
		Name           string      `json:"name"`
		Indicator      string      `json:"indicator"`
		AccessTokenTTL int         `json:"accessTokenTtl"`
		Scopes         []scopeJSON `json:"scopes"`
		RoleID         string      `json:"roleId,omitempty"`
	}{Name: *name, Indicator: *indicator, AccessTokenTTL: *ttl, Scopes: []scopeJSON{}}
	err := srv.Store.InTx(ctx, func(tx store.Store) error {
		now := time.Now()
		res := &store.Resource{ID: id.New(), Name: *name, Indicator: *indicator, AccessTokenTTL: *ttl, CreatedAt: now}
		if err := tx.CreateResource(ctx, res); err != nil {
			return fmt.Errorf("resource %s: %w", *indicator, err)
		}
		out.ID = res.ID
		var scopeIDs []string
		for _, s := range scopes {
			sc := &store.Scope{ID: id.New(), ResourceID: res.ID, Name: s, CreatedAt: now}
			if err := tx.CreateScope(ctx, sc); err != nil {
				return fmt.Errorf("scope %s: %w", s, err)
			}
			scopeIDs = append(scopeIDs, sc.ID)
			out.Scopes = append(out.Scopes, scopeJSON{sc.ID, s})
		}
		if len(assignApps) == 0 {
			return nil
		}
		role := &store.Role{ID: id.New(), Name: *name + " (all scopes)", Description: "Created by gatehouse resources create",
			Type: store.RoleMachineToMachine, CreatedAt: now}
		if err := tx.CreateRole(ctx, role); err != nil {
			return fmt.Errorf("role: %w", err)
		}
		out.RoleID = role.ID
		if len(scopeIDs) > 0 {
			if err := tx.AddRoleScopes(ctx, role.ID, scopeIDs); err != nil {
				return err
			}
		}
		for _, appID := range assignApps {
			app, err := tx.GetApplication(ctx, appID)
			if err != nil {
				return fmt.Errorf("app %s: %w", appID, err)
			}
			if app.Type != store.AppMachineToMachine {
				return fmt.Errorf("app %s is %s; only MachineToMachine apps take roles here", appID, app.Type)
			}
			if err := tx.AssignApplicationRoles(ctx, appID, []string{role.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(stderr, "resources create", err)
	}
	printJSON(stdout, out)
	return 0
}

func keys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: gatehouse keys rotate")
		return 2
	}
	srv, _, code := openServer(ctx, args[1:], getenv, stderr)
	if srv == nil {
		return code
	}
	defer srv.Close()
	if err := srv.Keys.Rotate(ctx); err != nil {
		return fail(stderr, "keys rotate", err)
	}
	printJSON(stdout, map[string]string{"currentKeyId": srv.Keys.CurrentKeyID("ES256")})
	return 0
}
