// Package telemetry is Gatehouse's observability: Prometheus metrics for
// the HTTP surface, token issuance, sign-in outcomes and the store's
// connection pools, served at /metrics, plus a debug-level access log whose
// lines carry the request ID.
//
// Everything is measured from the outside, by one middleware around the
// ServeMux, so no handler package depends on this one:
//
//   - requests are labelled by the mux's route pattern (r.Pattern, e.g.
//     "GET /oidc/auth/{uid}"), never by the raw path, so the number of
//     series is bounded by the routes Gatehouse registers;
//   - a 200 from the token endpoint is one issued token response, labelled
//     with its grant_type, read from a copy of the form taken while the
//     handler reads the body (the body is never read twice);
//   - sign-in outcomes are the answers of the Experience API's
//     verification, identification and submit routes, classified by status.
//
// The series live in one github.com/VictoriaMetrics/metrics Set per
// Metrics, which writes them in the Prometheus text format at scrape time,
// followed by the library's Go runtime and process series: several
// servers in one process (the end-to-end tests) never share or clash on
// series. The package does not use client_golang, whose protobuf
// descriptors and collectors cost over a megabyte of resident memory at
// start-up.
package telemetry
