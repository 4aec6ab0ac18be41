// Package grant holds the token endpoint's grants (RFC 6749 §4–§6): a Grant
// interface and one file per grant type, registered in a map keyed by
// grant_type (Dex's shape). The endpoint in package oidc parses the request,
// authenticates the client and checks that the client may use the grant
// type, once, before calling Exchange — so no grant can skip those steps —
// and writes whatever error Exchange returns.
//
// One exchange is one transaction: consuming the code or the refresh token
// commits together with every token it issues (reads and signing happen
// before, or inside for the code grant, whose reads need the code), so a
// failure part-way leaves the client's credential usable for a retry.
//
// Grants return *oauth.Error for protocol failures; any other error is a
// server-side failure (store errors wrapping store.ErrUnavailable become
// 503 at the edge).
package grant
