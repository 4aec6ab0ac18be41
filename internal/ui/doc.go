// Package ui serves Gatehouse's embedded front ends (package web):
//
//   - the sign-in experience, as the fallback for every path no other
//     mount claims: a single-page app whose known page paths (/sign-in,
//     /register, /mfa-binding/Totp, …; Logto's routes) get the page shell
//     index.html, /assets/… the static files, anything else the shell
//     with 404, which shows "page not found" (JSON for unmatched /api/
//     paths);
//   - the demo app at /demo-app.
//
// Every response carries the HTML security headers (strict CSP, no
// framing, no referrer). Files are read into memory once; each has a
// strong ETag so revalidation is a cheap 304, and Cache-Control: no-cache
// so a deploy is picked up at once (ES modules import each other without
// content hashes, so long max-ages could mix versions).
package ui
