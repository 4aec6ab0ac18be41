// Package management serves Logto's Management API (/api/...): the routes
// administrators and machine-to-machine apps use to configure Gatehouse.
//
// Every route is behind Authorizer (auth.go), Logto's koaAuth: the caller
// presents a JWT access token signed by our own keys, issued by our OP,
// whose audience is the Management API's resource indicator
// (https://default.logto.app/api by default, Logto's) and whose scope
// contains "all". Such a token comes from client_credentials for an M2M
// app holding the seeded "Logto Management API access" role (see
// `gatehouse bootstrap`), or from the console's own sign-in.
//
// Handler mounts the routes, one file per resource (signinexp.go for
// /api/sign-in-exp; applications.go, users.go… as they come). A resource
// only adds its routes with h.route, which applies the authorizer, the
// request ID and panic recovery, so no route can forget them. Errors are
// written once, as {code, message, data}, with Logto's codes and statuses.
package management
