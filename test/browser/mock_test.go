package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// The UI contract tests answer the page's /api calls in the browser
// (Chromium's Fetch domain) with Logto-shaped responses, so every page can
// be driven and checked against Logto's Experience API contract on its
// own: the requests the page sends (paths, bodies) are asserted, and the
// page's reaction to each answer (next page, error shown). The end-to-end
// tests (password_test.go, mfa_test.go, email_test.go) run the same
// journeys against the real server.

// reply is a canned API answer.
type reply struct {
	status int
	body   any
}

func ok(body any) reply { return reply{200, body} }

var noContent = reply{204, nil}

func apiError(status int, code string, data any) reply {
	return reply{status, map[string]any{"code": code, "message": code, "data": data}}
}

// call is one request the page made.
type call struct {
	method, path string
	query        url.Values
	body         map[string]any
}

func (c call) String() string {
	raw, _ := json.Marshal(c.body)
	return c.method + " " + c.path + " " + string(raw)
}

// handler answers a call; nil passes the request to the real server (the
// call is still recorded).
type handler func(c call, n int) *reply

// fakeAPI intercepts the tab's /api requests.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]handler // "METHOD /path"
	calls  []call
	counts map[string]int
}

// fake starts intercepting; routes map "METHOD /path" to handlers.
func (b *tab) fake(routes map[string]handler) *fakeAPI {
	b.t.Helper()
	f := &fakeAPI{t: b.t, routes: routes, counts: map[string]int{}}
	ctx, cancel := context.WithCancel(b.ctx)
	b.t.Cleanup(cancel)
	events := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			f.answer(ctx, ev)
		}
	}()
	if _, err := chromedp.Call(b.ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: b.srv.URL + "/api/*", RequestStage: fetch.RequestStageRequest}},
	}); err != nil {
		b.t.Fatalf("Fetch.enable: %v", err)
	}
	return f
}

func (f *fakeAPI) answer(ctx context.Context, ev fetch.EventRequestPaused) {
	u, _ := url.Parse(ev.Request.URL)
	c := call{method: ev.Request.Method, path: u.Path, query: u.Query()}
	var raw bytes.Buffer
	for _, e := range ev.Request.PostDataEntries {
		raw.Write(e.Bytes)
	}
	if raw.Len() > 0 {
		_ = json.Unmarshal(raw.Bytes(), &c.body)
	}
	key := c.method + " " + c.path
	f.mu.Lock()
	h := f.routes[key]
	f.counts[key]++
	n := f.counts[key]
	if h != nil {
		f.calls = append(f.calls, c)
	}
	f.mu.Unlock()
	var r *reply
	if h != nil {
		r = h(c, n)
	}
	if r == nil {
		_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	var body []byte
	if r.body != nil {
		body, _ = json.Marshal(r.body)
	}
	_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
		RequestID:       ev.RequestID,
		ResponseCode:    int64(r.status),
		ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}, {Name: "Cache-Control", Value: "no-store"}},
		Body:            body,
	})
}

// always answers every call with r.
func always(r reply) handler { return func(call, int) *reply { return &r } }

// sequence answers the n-th call with rs[n-1] (the last one after that).
func sequence(rs ...reply) handler {
	return func(_ call, n int) *reply {
		if n > len(rs) {
			n = len(rs)
		}
		return &rs[n-1]
	}
}

// sent returns the calls made to "METHOD /path".
func (f *fakeAPI) sent(key string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.method+" "+c.path == key {
			out = append(out, c)
		}
	}
	return out
}

// expect fails unless the calls to key include one whose body has every
// field of want (compared as JSON).
func (f *fakeAPI) expect(key string, want map[string]any) {
	f.t.Helper()
	wantJSON, _ := json.Marshal(want)
	for _, c := range f.sent(key) {
		got, _ := json.Marshal(c.body)
		if jsonContains(got, wantJSON) {
			return
		}
	}
	f.t.Errorf("no %s with body %s; calls:\n%s", key, wantJSON, f.log())
}

func (f *fakeAPI) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	return b.String()
}

// settings is a public sign-in experience document (Logto's shape) with
// the given fields replaced.
func settings(patch map[string]any) map[string]any {
	s := map[string]any{
		"id":           "default",
		"color":        map[string]any{"primaryColor": "#6139F6", "darkPrimaryColor": "#8768F8", "isDarkModeEnabled": false},
		"branding":     map[string]any{},
		"languageInfo": map[string]any{"autoDetect": true, "fallbackLanguage": "en"},
		"signInMode":   "SignInAndRegister",
		"signUp":       map[string]any{"identifiers": []any{"username"}, "password": true, "verify": false},
		"signIn": map[string]any{"methods": []any{
			map[string]any{"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true},
			map[string]any{"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": true},
		}},
		"socialConnectors": []any{},
		"forgotPassword":   map[string]any{"email": true, "phone": false},
		"mfa":              map[string]any{"factors": []any{}, "policy": "UserControlled"},
		"passwordPolicy":   map[string]any{"length": map[string]any{"min": 8, "max": 256}},
	}
	for k, v := range patch {
		s[k] = v
	}
	return s
}
