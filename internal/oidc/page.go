package oidc

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"sync"
)

// Pages the OP renders itself: an error page (when it must not redirect),
// the signed-out page, and the form_post response. They carry the HTML
// security headers of quality.md: a CSP without inline scripts except the
// nonce-bound form_post submitter, no framing, no referrer, nosniff.

// pages is parsed on first use: most requests never render one, and an
// idle server need not hold the parsed templates.
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Parse(pageTemplates))
})

const pageTemplates = `
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{{.Title}}</title><style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>{{end}}
{{define "error"}}{{template "head" .}}<h1>{{.Title}}</h1><p>{{.Message}}</p>{{if .Code}}<p><code>{{.Code}}</code></p>{{end}}</body></html>{{end}}
{{define "logout"}}{{template "head" .}}<h1>{{.Title}}</h1><p>{{.Message}}</p><form method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}<button type="submit">Sign out</button></form>{{if .Auto}}<script nonce="{{.Nonce}}">document.forms[0].submit()</script>{{end}}</body></html>{{end}}
{{define "signedout"}}{{template "head" .}}<h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>{{end}}
{{define "formpost"}}{{template "head" .}}<form method="post" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}<noscript><button type="submit">Continue</button></noscript></form><script nonce="{{.Nonce}}">document.forms[0].submit()</script></body></html>{{end}}
`

type pageData struct {
	Title, Message, Code string
	Nonce                string
	Action               string
	Fields               map[string]string
	// Auto submits the form by script (logout confirmed by a valid
	// id_token_hint of the same session).
	Auto bool
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func renderPage(w http.ResponseWriter, status int, name string, d pageData) {
	d.Nonce = newNonce()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+d.Nonce+"'; style-src 'nonce-"+d.Nonce+
		"'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = pages().ExecuteTemplate(w, name, d)
}

// errorPage shows a protocol error without redirecting. Messages are ours,
// never echoed input.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	oe := h.toOAuth(r.Context(), err)
	status := oe.Status
	if status == 0 || status == http.StatusUnauthorized {
		status = http.StatusBadRequest
	}
	renderPage(w, status, "error", pageData{Title: "Something went wrong", Message: oe.Description, Code: oe.Code})
}
