package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// single is a one-request workload, driven by wrk.
type single struct {
	method string
	url    string
	hdr    map[string]string
	body   string
	check  func(resp) error // run once on a Go request before the load
}

// loadOut is what one timed phase measured.
type loadOut struct {
	ops      int64
	errs     int64
	elapsed  time.Duration
	p50, p99 time.Duration
	firstErr string
}

// ---- wrk ------------------------------------------------------------------

const wrkDone = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("GBENCH {\"requests\":%d,\"duration_us\":%d,\"status\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d,\"p50_us\":%d,\"p99_us\":%d}\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

func luaString(s string) string {
	// Long bracket with a level no body can contain.
	return "[==[" + s + "]==]"
}

func writeWrkScript(dir, name string, s *single) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", s.method)
	if s.body != "" {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaString(s.body))
	}
	keys := make([]string, 0, len(s.hdr))
	for k := range s.hdr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "wrk.headers[%q] = %s\n", k, luaString(s.hdr[k]))
	}
	b.WriteString(wrkDone)
	p := filepath.Join(dir, name+".lua")
	return p, os.WriteFile(p, []byte(b.String()), 0o644)
}

// runWrk runs `wrk -t1 -cC -dNs` (one thread: the load generator has one
// core) and parses the summary printed by the script's done().
func runWrk(wrkBin, script, url string, conns int, dur time.Duration) (loadOut, error) {
	if err := mustLoopback(url); err != nil {
		return loadOut{}, err
	}
	secs := int(dur.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	cmd := exec.Command(wrkBin, "-t1", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", secs),
		"--timeout", "10s", "-s", script, url)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return loadOut{}, err
	}
	liveLoad.Store(cmd, struct{}{})
	err := cmd.Wait()
	liveLoad.Delete(cmd)
	if err != nil {
		return loadOut{}, fmt.Errorf("wrk: %v: %s %s", err, out.String(), errb.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "GBENCH ") {
			continue
		}
		var w struct {
			Requests, DurationUS, Status, Connect, Read, Write, Timeout, P50US, P99US int64
		}
		var raw map[string]int64
		if err := json.Unmarshal([]byte(line[7:]), &raw); err != nil {
			return loadOut{}, err
		}
		w.Requests, w.DurationUS = raw["requests"], raw["duration_us"]
		w.Status, w.Connect, w.Read, w.Write, w.Timeout = raw["status"], raw["connect"], raw["read"], raw["write"], raw["timeout"]
		w.P50US, w.P99US = raw["p50_us"], raw["p99_us"]
		lo := loadOut{
			ops:     w.Requests,
			errs:    w.Status + w.Connect + w.Read + w.Write + w.Timeout,
			elapsed: time.Duration(w.DurationUS) * time.Microsecond,
			p50:     time.Duration(w.P50US) * time.Microsecond,
			p99:     time.Duration(w.P99US) * time.Microsecond,
		}
		if lo.errs > 0 {
			lo.firstErr = fmt.Sprintf("wrk: %d non-2xx/3xx, %d connect, %d read, %d write, %d timeout",
				w.Status, w.Connect, w.Read, w.Write, w.Timeout)
		}
		return lo, nil
	}
	return loadOut{}, fmt.Errorf("wrk printed no summary: %s %s", out.String(), errb.String())
}

// ---- Go closed-loop generator (multi-step flows) ---------------------------

// runGo runs op on c workers for dur (closed loop: each worker starts its
// next operation when the previous one ends) and reports ops/s and latency
// percentiles of whole operations.
func runGo(c int, dur time.Duration, op func(worker int) error) loadOut {
	var ops, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, c)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				t := time.Now()
				err := op(w)
				d := time.Since(t)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					// Do not spin on a failing server.
					time.Sleep(5 * time.Millisecond)
					continue
				}
				ops.Add(1)
				l = append(l, d)
			}
			lats[w] = l
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	lo := loadOut{ops: ops.Load(), errs: errs.Load(), elapsed: elapsed}
	if len(all) > 0 {
		lo.p50 = all[len(all)*50/100]
		lo.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	if v, ok := firstErr.Load().(string); ok {
		lo.firstErr = v
	}
	return lo
}
