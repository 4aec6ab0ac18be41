// Command gatehouse is the whole identity platform in one binary.
//
//	gatehouse [serve] [flags]          run the server (default)
//	gatehouse migrate                  apply database migrations and exit
//	gatehouse keys rotate              add a new signing key and switch to it
//	gatehouse apps create|list|delete  manage applications (JSON output)
//	gatehouse resources create         create an API resource with scopes
//	gatehouse users generate           load synthetic users for scale tests
//	gatehouse version
//
// Configuration comes from GATEHOUSE_* environment variables or the
// matching kebab-case flags (see internal/config).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the process exit code: 0 success,
// 1 failure at run time, 2 bad usage or configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "keys":
		return keys(ctx, args, getenv, stdout, stderr)
	case "apps":
		return apps(ctx, args, getenv, stdout, stderr)
	case "resources":
		return resources(ctx, args, getenv, stdout, stderr)
	case "bootstrap":
		return bootstrap(ctx, args, getenv, stdout, stderr)
	case "users":
		return users(ctx, args, getenv, stdout, stderr)
	case "connectors":
		return connectors(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

const usage = `Usage: gatehouse <command> [flags]

Commands:
  serve (default)      run the server
  migrate              apply database migrations and exit
  keys rotate          add a new signing key, publish it and sign with it
  bootstrap [--name <name>]   create an M2M app with Management API access and
              print {id, secret, resource, tokenEndpoint} (JSON, once)
  apps create --type <Native|SPA|Traditional|MachineToMachine> --name <name>
              [--redirect-uri <uri>]... [--post-logout-redirect-uri <uri>]...
              [--cors-origin <origin>]... [--third-party]
  apps list
  apps delete <id>
  resources create --indicator <uri> [--name <name>] [--scope <name>]...
              [--access-token-ttl <seconds>] [--assign-app <m2m app id>]
  connectors add-oidc --id <id> --discovery-url <url> --client-id <id> [--client-secret <s>]
              [--scope <scopes>] [--target <t>] [--name <n>]   add a social OIDC connector
  connectors list | delete <id>
  users generate --count <n> [--start <k>] [--prefix <p>] [--password <pw>]
              [--batch <n>]   load synthetic users (scale tests; one shared hash)
  version

Configuration: GATEHOUSE_ENDPOINT, GATEHOUSE_ADDR, GATEHOUSE_DATABASE_URL,
GATEHOUSE_SECRET_KEY, GATEHOUSE_SMTP_URL, GATEHOUSE_TRUST_PROXY, or the same
as flags: --endpoint, --addr, --database-url, ...
`
