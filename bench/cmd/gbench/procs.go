package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one server process started as `taskset -c CORE bin args...`
// (taskset execs, so the pid is the server's own).
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	started time.Time
	done    chan struct{}
	waitErr error
}

func startPinned(name, core, dir, logPath string, env []string, bin string, args ...string) (*proc, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("taskset", append([]string{"-c", core, bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = lf
	cmd.Stderr = lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	live.Store(p, struct{}{})
	go func() {
		p.waitErr = cmd.Wait()
		lf.Close()
		live.Delete(p)
		close(p.done)
	}()
	return p, nil
}

// live holds every started server process, for stopAll.
var live sync.Map

// liveLoad holds running load generators (wrk).
var liveLoad sync.Map

// stopAll stops every load generator and server process still running (on
// SIGINT/SIGTERM).
func stopAll() {
	liveLoad.Range(func(k, _ any) bool {
		_ = syscall.Kill(-k.(*exec.Cmd).Process.Pid, syscall.SIGKILL)
		return true
	})
	var wg sync.WaitGroup
	live.Range(func(k, _ any) bool {
		wg.Add(1)
		go func(p *proc) { defer wg.Done(); p.stop() }(k.(*proc))
		return true
	})
	wg.Wait()
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *proc) stop() {
	if p == nil || p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(8 * time.Second):
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}

// waitReady polls url (new connection each time) until it answers 200 and
// returns the time from exec to that answer.
func (p *proc) waitReady(url string, timeout time.Duration) (time.Duration, error) {
	if err := mustLoopback(url); err != nil {
		return 0, err
	}
	tr := loopbackTransport(1)
	tr.DisableKeepAlives = true
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	deadline := p.started.Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			return 0, fmt.Errorf("%s exited (%v): %s", p.name, p.waitErr, p.logTail())
		}
		res, err := hc.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(p.started), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, fmt.Errorf("%s: no 200 from %s within %v: %s", p.name, url, timeout, p.logTail())
}

// rssKiB reads VmRSS (kB) from /proc/PID/status.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("VmRSS:")) {
			f := strings.Fields(string(line[6:]))
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// clkTck is USER_HZ; 100 on every Linux this runs on.
const clkTck = 100

// cpuTime is utime+stime of pid (all threads) from /proc/PID/stat.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")": state(3) ppid(4) ... utime is field 14, stime 15 (1-based
	// over the whole line), i.e. index 11 and 12 here.
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clkTck
}

// cpuBusy is the busy time of one CPU (user+nice+system+irq+softirq+steal)
// from /proc/stat, to tell how much of the server's CPU others used.
func cpuBusy(cpu string) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "cpu"+cpu {
			continue
		}
		var sum int64
		for _, i := range []int{1, 2, 3, 6, 7, 8} {
			n, _ := strconv.ParseInt(f[i], 10, 64)
			sum += n
		}
		return time.Duration(sum) * time.Second / clkTck
	}
	return 0
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// onlineCPUs counts the machine's CPUs (runtime.NumCPU only sees the ones
// this process is pinned to).
func onlineCPUs() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "processor") {
			n++
		}
	}
	return n
}
