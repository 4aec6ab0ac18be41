package main

import (
	"context"
	"flag"
	"io"
)

// bootstrap creates a MachineToMachine app holding the Management API role
// and prints {id, secret, resource, tokenEndpoint} once, for automation:
//
//	creds=$(gatehouse bootstrap)
//	curl -u "$(jq -r .id <<<"$creds"):$(jq -r .secret <<<"$creds")" \
//	  -d grant_type=client_credentials -d scope=all \
//	  -d resource="$(jq -r .resource <<<"$creds")" "$(jq -r .tokenEndpoint <<<"$creds")"
//
// Every run makes a new app; the secret cannot be shown again.
func bootstrap(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	srv, rest, code := openServer(ctx, args, getenv, stderr)
	if srv == nil {
		return code
	}
	defer srv.Close()
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "application name (default: Management API bootstrap)")
	if err := fs.Parse(rest); err != nil || fs.NArg() > 0 {
		return 2
	}
	creds, err := srv.Bootstrap(ctx, *name)
	if err != nil {
		return fail(stderr, "bootstrap", err)
	}
	printJSON(stdout, creds)
	return 0
}
