package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/internal/connector/social"
)

const connectorsUsage = `usage:
  gatehouse connectors add-oidc --id <id> --discovery-url <url> --client-id <id>
              [--client-secret <secret>] [--scope "openid profile email"]
              [--target <target>] [--name <name>] [--logo <url>] [--sync-profile]
  gatehouse connectors list
  gatehouse connectors delete <id>
`

// connectorJSON is a social connector as the CLI prints it, in the shape
// of Logto's /api/connectors items (never with the client secret).
type connectorJSON struct {
	ID          string            `json:"id"`
	ConnectorID string            `json:"connectorId"`
	Type        string            `json:"type"`
	Target      string            `json:"target"`
	Metadata    connectorMetadata `json:"metadata"`
	Config      social.Config     `json:"config"`
	SyncProfile bool              `json:"syncProfile"`
}

type connectorMetadata struct {
	Target string            `json:"target"`
	Name   map[string]string `json:"name"`
	Logo   string            `json:"logo"`
}

func toConnectorJSON(c *social.Connector) connectorJSON {
	return connectorJSON{ID: c.ID, ConnectorID: c.FactoryID, Type: "Social", Target: c.Target,
		Metadata: connectorMetadata{Target: c.Target, Name: map[string]string{"en": c.Name}, Logo: c.Logo},
		Config:   c.Config, SyncProfile: c.SyncProfile}
}

// connectors manages social sign-in connectors from the command line, as
// the Management API's /api/connectors does over HTTP.
func connectors(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, connectorsUsage)
		return 2
	}
	sub := args[0]
	srv, rest, code := openServer(ctx, args[1:], getenv, stderr)
	if srv == nil {
		return code
	}
	defer srv.Close()
	switch sub {
	case "add-oidc":
		fs := flag.NewFlagSet("connectors add-oidc", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var in social.CreateInput
		fs.StringVar(&in.ID, "id", "", "connector ID used in sign-in URLs (default: random)")
		fs.StringVar(&in.DiscoveryURL, "discovery-url", "", "the provider's .well-known/openid-configuration URL or issuer")
		fs.StringVar(&in.ClientID, "client-id", "", "client ID registered at the provider")
		fs.StringVar(&in.ClientSecret, "client-secret", "", "client secret (stored encrypted)")
		fs.StringVar(&in.Scope, "scope", "", "scopes to ask for (default \"openid profile email\")")
		fs.StringVar(&in.Target, "target", "", "identity target in users' identities (default: the ID)")
		fs.StringVar(&in.Name, "name", "", "display name on the sign-in page")
		fs.StringVar(&in.Logo, "logo", "", "logo URL")
		fs.BoolVar(&in.SyncProfile, "sync-profile", false, "update name and avatar from the provider at every sign-in")
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		c, err := srv.Social.CreateOIDC(ctx, in)
		if err != nil {
			return failConnector(stderr, "connectors add-oidc", err)
		}
		printJSON(stdout, toConnectorJSON(c))
	case "list":
		list, err := srv.Social.List(ctx)
		if err != nil {
			return fail(stderr, "connectors list", err)
		}
		out := make([]connectorJSON, 0, len(list))
		for i := range list {
			out = append(out, toConnectorJSON(&list[i]))
		}
		printJSON(stdout, out)
	case "delete":
		if len(rest) != 1 {
			fmt.Fprint(stderr, connectorsUsage)
			return 2
		}
		if err := srv.Social.Delete(ctx, rest[0]); err != nil {
			return failConnector(stderr, "connectors delete", err)
		}
		printJSON(stdout, map[string]string{"deleted": rest[0]})
	default:
		fmt.Fprint(stderr, connectorsUsage)
		return 2
	}
	return 0
}

// failConnector prints a connector error's sentence (which names the bad
// field) rather than its code.
func failConnector(stderr io.Writer, what string, err error) int {
	var se *social.Error
	if errors.As(err, &se) {
		fmt.Fprintf(stderr, "gatehouse: %s: %s\n", what, se.Message)
		return 1
	}
	return fail(stderr, what, err)
}
