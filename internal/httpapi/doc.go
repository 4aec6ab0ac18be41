// Package httpapi is the JSON-API plumbing shared by Gatehouse's /api
// handlers: the error body, strict request decoding, and middleware
// (request IDs, panic recovery, security headers, same-origin checks).
//
// Errors follow Logto's shape, {"code":"area.reason","message":"…",
// "data":{…}}. Handlers return errors and call WriteError once, at the
// edge: an *Error is written as is; a domain error that reports its own
// code (see Coded) gets its status from the code; anything wrapping
// store.ErrUnavailable becomes 503 store.unavailable; anything else is a
// logged 500 whose body never carries internal detail.
package httpapi
