package oidc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// OIDC Back-Channel Logout 1.0. When a browser session ends, every app that
// received tokens in it (Session.ClientIDs) and registered a
// backchannelLogoutUri is sent a signed logout token (§2.4) by POST (§2.5).
//
// Delivery is reliable and off the request path: the logout writes one
// notice per app into an outbox in the same transaction that deletes the
// session, then wakes the delivery worker and answers the browser at once.
// The worker (RunBackchannel, one per node) claims due notices with a lease,
// so nodes never send one twice at once and a crashed node's notices are
// taken over; it signs each token at delivery, POSTs it with a short
// timeout and retries with backoff. After the last attempt, or when the RP
// refuses the token (4xx, §2.8), the notice is dropped and the failure
// logged (never the token).

// backchannelEvent is the events member of a logout token (§2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

const (
	// logoutTokenTTL: §2.4 recommends a short lifetime.
	logoutTokenTTL = 2 * time.Minute
	// noticeLife bounds how long delivery is tried.
	noticeLife = time.Hour
	// noticeLease is how long a claimed notice belongs to one worker.
	noticeLease = 30 * time.Second
	// claimBatch is how many notices one claim takes.
	claimBatch = 16
	// backchannelTimeout bounds one POST to an RP.
	backchannelTimeout = 5 * time.Second
)

// noticeBackoff is the wait after the n-th failed attempt; its length + 1
// is the number of attempts.
var noticeBackoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

type backchannel struct {
	client *http.Client
	log    *slog.Logger
	kick   chan struct{}
	wg     sync.WaitGroup
}

func newBackchannel(c *http.Client, log *slog.Logger) *backchannel {
	if c == nil {
		c = &http.Client{Timeout: backchannelTimeout,
			// An RP's redirect is not followed: the token goes to the
			// registered URI only.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &backchannel{client: c, log: log, kick: make(chan struct{}, 1)}
}

// poke wakes the worker without blocking.
func (b *backchannel) poke() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
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

// logoutNotices lists the notices that ending sess must send: one per app
// of the session with a back-channel logout URI; sid only for apps that
// require it (backchannelLogoutSessionRequired, §2.2).
func (h *Handler) logoutNotices(ctx context.Context, sess *store.Session) ([]store.LogoutNotice, error) {
	now := h.now()
	var out []store.LogoutNotice
	for _, clientID := range sess.ClientIDs {
		app, err := h.store.GetApplication(ctx, clientID)
		if errors.Is(err, store.ErrNotFound) {
			continue // a deleted app has nothing to be told
		}
		if err != nil {
			return nil, err
		}
		md := app.OIDCClientMetadata
		if md.BackchannelLogoutURI == "" {
			continue
		}
		n := store.LogoutNotice{ID: id.New(), ClientID: app.ID, URI: md.BackchannelLogoutURI, UserID: sess.UserID,
			NextAttemptAt: now, CreatedAt: now, ExpiresAt: now.Add(noticeLife)}
		if md.BackchannelLogoutSessionRequired {
			n.SID = token.SID(sess.ID)
		}
		out = append(out, n)
	}
	return out, nil
}

// RunBackchannel delivers back-channel logout notices until ctx ends, then
// waits for deliveries in flight. The server runs one per node.
func (h *Handler) RunBackchannel(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	defer h.logout.wg.Wait()
	for {
		h.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.logout.kick:
		}
	}
}

func (h *Handler) deliverDue(ctx context.Context) {
	for ctx.Err() == nil {
		notices, err := h.store.ClaimLogoutNotices(ctx, h.now(), noticeLease, claimBatch)
		if err != nil {
			if ctx.Err() == nil {
				h.log.WarnContext(ctx, "claim back-channel logout notices", "err", err)
			}
			return
		}
		for _, n := range notices {
			h.logout.wg.Add(1)
			go func() {
				defer h.logout.wg.Done()
				h.deliver(context.WithoutCancel(ctx), n)
			}()
		}
		if len(notices) < claimBatch {
			return
		}
	}
}

// deliver signs and sends one notice, then deletes it or schedules a retry.
func (h *Handler) deliver(ctx context.Context, n store.LogoutNotice) {
	ctx, cancel := context.WithTimeout(ctx, 2*backchannelTimeout)
	defer cancel()
	alg := token.DefaultAlg
	if app, err := h.store.GetApplication(ctx, n.ClientID); err == nil && app.OIDCClientMetadata.IDTokenSignedResponseAlg != "" {
		alg = app.OIDCClientMetadata.IDTokenSignedResponseAlg
	}
	now := h.now()
	c := logoutClaims{Iss: h.issuer, Aud: n.ClientID, Iat: now.Unix(), Exp: now.Add(logoutTokenTTL).Unix(),
		Jti: id.New(), Sub: n.UserID, Sid: n.SID, Events: map[string]struct{}{backchannelEvent: {}}}
	var status int
	tok, err := h.keys.Sign(c, alg, "logout+jwt")
	if err == nil {
		status, err = h.logout.post(ctx, n.URI, url.Values{"logout_token": {tok}}.Encode())
	}
	if err == nil && status/100 == 2 {
		if err := h.store.DeleteLogoutNotice(ctx, n.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.log.WarnContext(ctx, "delete delivered logout notice", "err", err)
		}
		return
	}
	why := ""
	if err != nil {
		why = err.Error()
	} else {
		why = "status " + strconv.Itoa(status)
	}
	if status/100 == 4 || n.Attempts >= len(noticeBackoff) {
		h.log.WarnContext(ctx, "back-channel logout failed", "client_id", n.ClientID, "uri", n.URI,
			"attempts", n.Attempts+1, "err", why)
		if err := h.store.DeleteLogoutNotice(ctx, n.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.log.WarnContext(ctx, "delete abandoned logout notice", "err", err)
		}
		return
	}
	h.log.InfoContext(ctx, "back-channel logout will be retried", "client_id", n.ClientID, "attempt", n.Attempts+1, "err", why)
	if err := h.store.RetryLogoutNotice(ctx, n.ID, n.Attempts+1, h.now().Add(noticeBackoff[n.Attempts])); err != nil &&
		!errors.Is(err, store.ErrNotFound) {
		h.log.WarnContext(ctx, "reschedule logout notice", "err", err)
	}
}

func (b *backchannel) post(ctx context.Context, uri, body string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, backchannelTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(body))
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
