package oidc

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// OIDC Back-Channel Logout 1.0. When a browser session ends, every app that
// received tokens in it (Session.ClientIDs) and registered a
// backchannelLogoutUri gets a signed logout token (§2.4) by POST (§2.5).
// Delivery runs off the request path: logout never waits for an RP. Each
// delivery is tried a few times with a short timeout; failures are logged
// (never the token itself).

// backchannelEvent is the events member of a logout token (§2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutTokenTTL: §2.4 recommends a short lifetime (2 minutes here).
const logoutTokenTTL = 2 * time.Minute

var backchannelRetries = []time.Duration{0, 500 * time.Millisecond, 2 * time.Second}

type backchannel struct {
	client *http.Client
	log    *slog.Logger
	wg     sync.WaitGroup
}

func newBackchannel(c *http.Client, log *slog.Logger) *backchannel {
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second,
			// An RP's redirect is not followed: the token goes to the
			// registered URI only.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &backchannel{client: c, log: log}
}

type logoutClaims struct {
	Iss    string              `json:"iss"`
	Aud    string              `json:"aud"`
	Iat    int64               `json:"iat"`
	Exp    int64               `json:"exp"`
	Jti    string              `json:"jti"`
	Sub    string              `json:"sub,omitempty"`
	Sid    string              `json:"sid,omitempty"`
	Events map[string]struct{} `json:"events"`
}

// notifyLogout signs a logout token for every app of sess that has a
// back-channel logout URI and hands them to the sender. It is called after
// the session is gone.
func (h *Handler) notifyLogout(ctx context.Context, sess *store.Session) {
	now := h.now()
	for _, clientID := range sess.ClientIDs {
		app, err := h.store.GetApplication(ctx, clientID)
		if err != nil {
			continue // a deleted app has nothing to be told
		}
		uri := app.OIDCClientMetadata.BackchannelLogoutURI
		if uri == "" {
			continue
		}
		c := logoutClaims{Iss: h.issuer, Aud: app.ID, Iat: now.Unix(), Exp: now.Add(logoutTokenTTL).Unix(),
			Jti: id.New(), Sub: sess.UserID, Events: map[string]struct{}{backchannelEvent: {}}}
		if app.OIDCClientMetadata.BackchannelLogoutSessionRequired {
			c.Sid = token.SID(sess.ID)
		}
		alg := app.OIDCClientMetadata.IDTokenSignedResponseAlg
		if alg == "" {
			alg = token.DefaultAlg
		}
		tok, err := h.keys.Sign(c, alg, "logout+jwt")
		if err != nil {
			h.log.ErrorContext(ctx, "sign logout token", "client_id", app.ID, "err", err)
			continue
		}
		h.logout.send(app.ID, uri, tok)
	}
}

// send delivers one logout token in the background.
func (b *backchannel) send(clientID, uri, logoutToken string) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		body := url.Values{"logout_token": {logoutToken}}.Encode()
		var lastErr string
		for _, wait := range backchannelRetries {
			time.Sleep(wait)
			status, err := b.post(uri, body)
			if err == nil && status/100 == 2 {
				return
			}
			if err != nil {
				lastErr = err.Error()
			} else {
				lastErr = http.StatusText(status)
				if status/100 == 4 {
					break // §2.8: the RP refused the token; retrying will not help
				}
			}
		}
		b.log.Warn("back-channel logout failed", "client_id", clientID, "uri", uri, "err", lastErr)
	}()
}

func (b *backchannel) post(uri, body string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, uri, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Wait blocks until every back-channel delivery started so far has ended
// (graceful shutdown, tests).
func (h *Handler) Wait() { h.logout.wg.Wait() }
