package password

import (
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/password/internal/argon2"
)

// Argon2's work memory (19 MiB with DefaultParams) is reused between
// hashes: allocating it per hash made every sign-in zero and page-fault
// the whole memory cost, and kept the heap (and RSS) several times the
// memory of the hashes actually running. A buffer is taken only while a
// hashing slot is held, so there are never more buffers than slots. They
// live outside the Go heap where the platform allows (mmap; on Linux
// aligned for transparent huge pages, which makes a hash about 10 %
// cheaper), so the GC neither scans nor counts them, and they are unmapped
// once no hash has run for workIdle: an idle server holds none.

// workIdle is how long the buffers outlive the last hash.
const workIdle = 5 * time.Second

// workSize is the size of a pooled buffer: enough for DefaultParams. A
// stored hash with a bigger memory cost (an import) allocates its own.
var workSize = argon2.WorkSize(DefaultParams.Memory, DefaultParams.Threads)

var work workPool

type workPool struct {
	mu    sync.Mutex
	free  [][]byte
	busy  int
	timer *time.Timer
	// idle is workIdle; tests shorten it.
	idle time.Duration
}

// get returns a buffer of at least n bytes for one derivation, or nil when
// n is bigger than the pooled size (argon2 then allocates). Call it with a
// hashing slot held and give the buffer back with put before releasing it.
func (p *workPool) get(n int) []byte {
	if n > workSize {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy++
	if k := len(p.free); k > 0 {
		b := p.free[k-1]
		p.free = p.free[:k-1]
		return b
	}
	b, err := mapWork(workSize)
	if err != nil {
		p.busy--
		return nil
	}
	return b
}

// put gives b back; after workIdle without a hash the free buffers are
// unmapped.
func (p *workPool) put(b []byte) {
	if b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy--
	p.free = append(p.free, b)
	if p.busy > 0 {
		return
	}
	idle := p.idle
	if idle == 0 {
		idle = workIdle
	}
	if p.timer == nil {
		p.timer = time.AfterFunc(idle, p.release)
	} else {
		p.timer.Reset(idle)
	}
}

// release unmaps the free buffers if no hash is running.
func (p *workPool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy > 0 {
		return
	}
	for i, b := range p.free {
		unmapWork(b)
		p.free[i] = nil
	}
	p.free = p.free[:0]
}

// held reports the number of buffers the pool holds (tests).
func (p *workPool) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free) + p.busy
}
