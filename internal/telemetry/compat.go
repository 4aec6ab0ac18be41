package telemetry

import (
	"bytes"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
)

// writeCompat writes the Go and process series that client_golang's
// collectors exposed and VictoriaMetrics' writers do not, under the same
// names, so no dashboard or alert loses a series.
func writeCompat(b *bytes.Buffer) {
	samples := []metrics.Sample{
		{Name: "/gc/gogc:percent"},
		{Name: "/gc/gomemlimit:bytes"},
		{Name: "/sched/gomaxprocs:threads"},
	}
	metrics.Read(samples)
	for i, f := range [...]struct{ name, help string }{
		{"go_gc_gogc_percent", "Heap size target percentage configured by the user, otherwise 100."},
		{"go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64."},
		{"go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting."},
	} {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			continue // not in this Go runtime
		}
		header(b, f.name, "gauge", f.help)
		sampleUint(b, f.name, samples[i].Value.Uint64())
	}

	if rx, tx, ok := netDevTotals(); ok {
		header(b, "process_network_receive_bytes_total", "counter", "Number of bytes received by the process over the network.")
		sampleUint(b, "process_network_receive_bytes_total", rx)
		header(b, "process_network_transmit_bytes_total", "counter", "Number of bytes sent by the process over the network.")
		sampleUint(b, "process_network_transmit_bytes_total", tx)
	}

	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &lim) == nil {
		// Unlimited is RLIM_INFINITY, 2^64-1, as client_golang wrote it.
		header(b, "process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.")
		sampleFloat(b, "process_virtual_memory_max_bytes", float64(lim.Cur))
	}
}

// netDevTotals sums the received and transmitted bytes of every interface
// in the process's network namespace (/proc/self/net/dev), as procfs did.
func netDevTotals() (rx, tx uint64, ok bool) {
	raw, err := os.ReadFile("/proc/self/net/dev")
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(raw), "\n")
	if len(lines) < 2 {
		return 0, 0, false
	}
	for _, line := range lines[2:] {
		_, counters, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		f := strings.Fields(counters)
		if len(f) < 9 {
			continue
		}
		r, err1 := strconv.ParseUint(f[0], 10, 64)
		t, err2 := strconv.ParseUint(f[8], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		rx += r
		tx += t
	}
	return rx, tx, true
}
