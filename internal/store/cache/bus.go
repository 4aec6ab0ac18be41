package cache

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Bus carries cache invalidations between the nodes of one deployment
// (PostgreSQL's LISTEN/NOTIFY: internal/store/postgres.Bus). A payload is a
// few lines of text the cache writes and reads; the bus only moves it.
type Bus interface {
	// Publish sends payload to every node listening, this one included or
	// not. It is called after the write it announces has committed.
	Publish(ctx context.Context, payload string) error
	// Listen receives what any node publishes until ctx ends, then
	// returns. It calls listening(true) each time it has started listening
	// (at first and after every reconnection) and listening(false) as soon
	// as it may have missed a payload (its connection is lost), and
	// invalidate for each payload received in between.
	Listen(ctx context.Context, invalidate func(payload string), listening func(ok bool))
	io.Closer
}

// maxPayload keeps a payload under PostgreSQL's NOTIFY limit (8000 bytes);
// a larger one names kinds instead of keys.
const maxPayload = 7000

// publishTimeout bounds a publish: the write it follows has committed, so
// the caller's deadline or cancellation must not cut it short.
const publishTimeout = 2 * time.Second

type busState struct {
	bus    Bus
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Connect attaches b: this Store publishes what its writes drop and drops
// what b delivers. Until b is listening, and whenever it stops, the cache is
// bypassed (reads go to the database) and emptied; when b listens again the
// cache is emptied once more and used again. Call Connect once, before the
// Store is used; Close stops b and closes it. log may be nil.
func (c *Store) Connect(b Bus, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c.setListening(false)
	ctx, cancel := context.WithCancel(context.Background())
	st := &busState{bus: b, log: log, cancel: cancel, done: make(chan struct{})}
	c.bus = st
	go func() {
		defer close(st.done)
		b.Listen(ctx, c.receive, c.setListening)
	}()
}

// Disconnect stops and closes the bus, if any (the cache is bypassed from
// then on: nothing tells it of other nodes' writes any more).
func (c *Store) Disconnect() error {
	st := c.bus
	if st == nil {
		return nil
	}
	var err error
	st.once.Do(func() {
		st.cancel()
		<-st.done
		c.setListening(false)
		err = st.bus.Close()
	})
	return err
}

// Close disconnects the bus, then closes the store.
func (c *Store) Close() error {
	return errors.Join(c.Disconnect(), c.Store.Close())
}

// setListening is the bus's report: false stops trusting the cache (a
// notice may be lost) and empties it; true empties it once more (what
// changed while nobody listened is unknown) and trusts it again.
func (c *Store) setListening(ok bool) {
	if ok {
		c.clearAll()
		c.bypass.Store(false)
		return
	}
	c.bypass.Store(true)
	c.clearAll()
}

// receive applies a payload another node (or this one) published.
func (c *Store) receive(payload string) {
	var inv invalidations
	if !inv.decode(payload) {
		c.clearAll() // not ours to read: drop everything to be safe
		return
	}
	c.apply(&inv)
}

// publish announces inv to the other nodes. A write that failed with
// ErrNotFound or ErrConflict changed nothing; any other error may hide a
// commit, so it is announced too.
func (c *Store) publish(ctx context.Context, inv *invalidations, err error) {
	if c.bus == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return
	}
	inv.mu.Lock()
	payload := inv.encode()
	inv.mu.Unlock()
	if payload == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if perr := c.bus.bus.Publish(ctx, payload); perr != nil {
		c.bus.log.Warn("cache: invalidation not published; other nodes may serve the old entries until their TTL",
			"err", perr)
	}
}

// Payload kinds: a line is "kind key" (one entry) or "kind" (every entry
// of that kind). Token keys are hex hashes.
const (
	kindApp       = "app"
	kindSecrets   = "secrets"
	kindUser      = "user"
	kindToken     = "token"
	kindResources = "resources"
	kindScopes    = "scopes"
	kindUserScope = "userscopes"
)

// encode writes inv as a payload ("" when there is nothing to announce).
func (inv *invalidations) encode() string {
	if inv.empty() {
		return ""
	}
	var b strings.Builder
	line := func(kind, key string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(kind)
		if key != "" {
			b.WriteByte(' ')
			b.WriteString(key)
		}
	}
	keyed := func(kind string, all bool, keys []string, hexed bool) {
		if all || len(keys) == 0 {
			if all {
				line(kind, "")
			}
			return
		}
		for _, k := range keys {
			if hexed {
				k = hex.EncodeToString([]byte(k))
			}
			if k == "" || strings.ContainsAny(k, "\n") {
				line(kind, "") // not representable: the whole kind
				return
			}
			line(kind, k)
		}
	}
	keyed(kindApp, inv.allApps, inv.apps, false)
	keyed(kindSecrets, inv.allSecrets, inv.secrets, false)
	keyed(kindUser, inv.allUsers, inv.users, false)
	keyed(kindToken, inv.allTokens, inv.tokens, true)
	for _, k := range []struct {
		kind string
		all  bool
	}{{kindResources, inv.allResources}, {kindScopes, inv.allScopes}, {kindUserScope, inv.allUserScopes}} {
		if k.all {
			line(k.kind, "")
		}
	}
	if b.Len() <= maxPayload {
		return b.String()
	}
	// Too long for one notice: name the kinds instead of the keys.
	wide := invalidations{
		allApps: inv.allApps || len(inv.apps) > 0, allSecrets: inv.allSecrets || len(inv.secrets) > 0,
		allUsers: inv.allUsers || len(inv.users) > 0, allTokens: inv.allTokens || len(inv.tokens) > 0,
		allResources: inv.allResources, allScopes: inv.allScopes, allUserScopes: inv.allUserScopes,
	}
	return wide.encode()
}

// decode reads a payload into inv; false means it could not be read.
func (inv *invalidations) decode(payload string) bool {
	for line := range strings.SplitSeq(payload, "\n") {
		kind, key, keyed := strings.Cut(line, " ")
		switch kind {
		case kindApp:
			if keyed {
				inv.apps = append(inv.apps, key)
			} else {
				inv.allApps = true
			}
		case kindSecrets:
			if keyed {
				inv.secrets = append(inv.secrets, key)
			} else {
				inv.allSecrets = true
			}
		case kindUser:
			if keyed {
				inv.users = append(inv.users, key)
			} else {
				inv.allUsers = true
			}
		case kindToken:
			if !keyed {
				inv.allTokens = true
				continue
			}
			h, err := hex.DecodeString(key)
			if err != nil {
				inv.allTokens = true
				continue
			}
			inv.tokens = append(inv.tokens, string(h))
		case kindResources:
			inv.allResources = true
		case kindScopes:
			inv.allScopes = true
		case kindUserScope:
			inv.allUserScopes = true
		default:
			return false
		}
	}
	return true
}
