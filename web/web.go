// Package web holds Gatehouse's browser front ends, embedded in the binary:
//
//   - experience/: the hosted sign-in experience, a client of the
//     Experience API only. index.html is the page shell, with one
//     <template> per page; assets/js/router.js renders the page for the
//     path (Logto's routes, listed in assets/js/routes.js) from
//     assets/js/pages/; api.js, flow.js, i18n.js (English, Korean) and
//     settings.js (branding) are shared;
//   - demo-app/: the demo single-page app at /demo-app, an OIDC client of
//     Gatehouse itself (authorization code + PKCE).
//
// Both are plain HTML, CSS and ES modules with no build step, and no
// inline script or style, so the pages run under a strict
// Content-Security-Policy. internal/ui serves them.
package web

import (
	"embed"
	"io/fs"
)

//go:embed experience demo-app
var files embed.FS

// Experience is the sign-in experience's file tree (pages at the root,
// static files under assets/).
func Experience() fs.FS { return sub("experience") }

// DemoApp is the demo app's file tree.
func DemoApp() fs.FS { return sub("demo-app") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return f
}
