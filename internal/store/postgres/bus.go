package postgres

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
)

// Channel is the LISTEN/NOTIFY channel of the node caches' invalidations.
const Channel = "gatehouse_cache"

// Bus timing.
const (
	// busConns bounds the pool that publishes (one short statement per
	// write that drops cached entries).
	busConns = 4
	// quietCheck: after this long without a notification the listener
	// pings its connection, so a silently dead one is noticed.
	quietCheck  = 15 * time.Second
	pingTimeout = 5 * time.Second
	// Reconnection backoff.
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second
)

// Bus is the cache bus on PostgreSQL (internal/store/cache.Bus): Publish is
// pg_notify on a small pool of its own; Listen holds one dedicated
// connection in LISTEN gatehouse_cache and reconnects when it is lost.
// NOTIFY is database-wide: nodes on other schemas of the same database hear
// each other's payloads too, which only costs them a few dropped entries.
type Bus struct {
	listenCfg *pgx.ConnConfig
	pub       *sql.DB
	log       *slog.Logger
}

// NewBus prepares a bus for the database at url (as Open takes it); it
// connects lazily: Publish through its pool, Listen when called. log may be
// nil.
func NewBus(url string, log *slog.Logger) (*Bus, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	listenCfg := cfg.Copy()
	// Waiting for a notification times out every quietCheck; a deadline on
	// the socket (not pgx's default cancel request, which dials a new
	// connection) ends the wait and leaves the connection usable.
	listenCfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	pub := stdlib.OpenDB(*cfg)
	pub.SetMaxOpenConns(busConns)
	pub.SetMaxIdleConns(busConns)
	pub.SetConnMaxLifetime(connMaxLifetime)
	pub.SetConnMaxIdleTime(connMaxIdleTime)
	return &Bus{listenCfg: listenCfg, pub: pub, log: log}, nil
}

// Publish notifies every listener; PostgreSQL delivers it once the
// statement's own transaction commits, at once here.
func (b *Bus) Publish(ctx context.Context, payload string) error {
	_, err := b.pub.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, payload)
	return err
}

// Listen listens until ctx ends: listening(true) once LISTEN is in place,
// invalidate per payload, listening(false) as soon as the connection fails
// (a payload may have been missed), then it reconnects with backoff.
func (b *Bus) Listen(ctx context.Context, invalidate func(payload string), listening func(ok bool)) {
	wait := retryMin
	for {
		up, err := b.listenOnce(ctx, invalidate, listening)
		if ctx.Err() != nil {
			return
		}
		listening(false)
		if up {
			wait = retryMin
			b.log.Warn("cache bus: listener connection lost; the node cache is bypassed until it is back", "err", err)
		} else {
			b.log.Warn("cache bus: cannot listen; the node cache is bypassed", "err", err, "retry_in", wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if !up {
			wait = min(2*wait, retryMax)
		}
	}
}

// listenOnce connects, listens and delivers until the connection fails or
// ctx ends; up reports whether it got as far as listening.
func (b *Bus) listenOnce(ctx context.Context, invalidate func(string), listening func(bool)) (up bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, b.listenCfg)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return false, err
	}
	listening(true)
	b.log.Info("cache bus: listening", "channel", Channel, "pid", conn.PgConn().PID())
	for {
		wctx, cancel := context.WithTimeout(ctx, quietCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			if n.Channel == Channel {
				invalidate(n.Payload)
			}
			continue
		}
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		if pgconn.Timeout(err) && !conn.IsClosed() {
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err == nil {
				continue
			}
		}
		return true, err
	}
}

// Close closes the publishing pool (Listen ends with its context).
func (b *Bus) Close() error { return b.pub.Close() }
