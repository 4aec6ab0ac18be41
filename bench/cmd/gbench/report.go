package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtRate(v float64) string {
	switch {
	case v >= 1000:
		s := fmt.Sprintf("%.0f", v)
		// thousands separator
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func fmtMiB(kib int64) string {
	if kib <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func toolVersion(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	if len(out) == 0 {
		return "?"
	}
	line := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	line, _, _ = strings.Cut(line, " Copyright")
	return line
}

func report(rn *runner, results []*serverResult, hashRef hashRefs, total time.Duration, loadStart, loadEnd string) string {
	by := map[string]*serverResult{}
	for _, r := range results {
		by[r.name] = r
	}
	get := func(server, wl string) *result {
		sr := by[server]
		if sr == nil || sr.na != "" {
			return nil
		}
		r := sr.res[wl]
		if r == nil || r.na != "" || r.rps == 0 {
			return nil
		}
		return r
	}
	base := func(wl string) *result {
		if wl == "cc_logto" {
			wl = "cc"
		}
		return get("gatehouse-sqlite", wl)
	}

	var b strings.Builder
	mode := "full"
	if rn.quick {
		mode = "quick"
	}
	fmt.Fprintf(&b, "# Gatehouse side-by-side benchmark\n\n")
	fmt.Fprintf(&b, "%s · %s run · %d CPUs (%s) · servers pinned to CPU %s, load generator to the other · %d round(s) over all servers, %v per workload after %v warm-up, each row the best round · run took %v\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), mode, onlineCPUs(), cpuModel(), rn.serverCore,
		rn.rounds, rn.dur, rn.warm, total.Round(time.Second))
	fmt.Fprintf(&b, "Load average before / after: %s / %s. The column \"others on server CPU\" below is how much of the server's CPU other processes (PostgreSQL's backends, anything else running on the machine) took while a server was measured; when it is high, that server's numbers are low.\n\n", loadStart, loadEnd)
	fmt.Fprintf(&b, "Tools: %s; %s; node %s. Single-request rows: `wrk -t1 -c%d`; refresh: Go closed loop, %d workers; sign-in: Go closed loop, %d workers (every HTTP step of one sign-in is one operation).\n\n",
		toolVersion("wrk", "-v"), runtime.Version(), toolVersion("node", "--version"), rn.conns, rn.conns, rn.signinConns)
	b.WriteString("Ratios compare with Gatehouse on SQLite in this same run (server ÷ Gatehouse): the machine drifts by about ±30 % between runs, so only ratios within one run mean anything.\n\n")

	b.WriteString("## Servers\n\n| server | status |\n|---|---|\n")
	for _, sr := range results {
		st := "ok"
		if sr.na != "" {
			st = "n/a (" + sr.na + ")"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", sr.label, st)
	}

	b.WriteString("\n## Throughput and latency\n\n")
	b.WriteString("| workload | server | req/s | p50 | p99 | errors | server CPU / op | vs Gatehouse | notes |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, wl := range workloads {
		for _, sr := range results {
			if sr.name == "stub" && wl.key != "discovery" && wl.key != "jwks" {
				continue
			}
			if wl.key == "cc_logto" && sr.name != "node" {
				continue
			}
			title := wl.title
			if sr.na != "" {
				fmt.Fprintf(&b, "| %s | %s | n/a | | | | | | see Servers |\n", title, sr.label)
				continue
			}
			r := sr.res[wl.key]
			if r == nil {
				continue
			}
			if r.na != "" {
				fmt.Fprintf(&b, "| %s | %s | n/a (%s) | | | | | | |\n", title, sr.label, strings.ReplaceAll(r.na, "|", "/"))
				continue
			}
			ratio := "—"
			if g := base(wl.key); g != nil {
				ratio = fmt.Sprintf("%.2f×", r.rps/g.rps)
			}
			note := r.note
			if wl.key == "cc" || wl.key == "cc_logto" {
				if note != "" {
					note = "signed " + note
				}
			}
			if wl.key == "signin" && r.cpuPerOp > 0 {
				est := "no in-harness hash reference (hash-wasm in node)"
				if ref, what := hashRef.forServer(sr.name); ref > 0 {
					est = fmt.Sprintf("≈ %.0f %% of its CPU outside the password hash (reference: %s, %s)",
						100*outsideHash(r.cpuPerOp, ref), what, fmtDur(ref))
				}
				if r.hashCPUPerOp > 0 {
					est = fmt.Sprintf("%.1f %% of its CPU outside the password hash, as the server measures it (%s hashing per sign-in, gatehouse_password_hash_cpu_seconds_total; %s outside it); ",
						100*outsideHash(r.cpuPerOp, r.hashCPUPerOp), fmtDur(r.hashCPUPerOp), fmtDur(r.cpuPerOp-r.hashCPUPerOp)) + est
				}
				if note != "" {
					est += "; " + note
				}
				note = est
			}
			errs := fmt.Sprintf("%d", r.lo.errs)
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", title, sr.label, fmtRate(r.rps),
				fmtDur(r.lo.p50), fmtDur(r.lo.p99), errs, fmtDur(r.cpuPerOp), ratio, strings.ReplaceAll(note, "|", "/"))
		}
	}

	fmt.Fprintf(&b, "\nSign-in notes: the share of a sign-in's server CPU outside the password hash is estimated as 1 − (one password check ÷ server CPU per sign-in), each server against a check with its own hashing code, timed in the harness (before the load and after each sign-in workload; the least): Gatehouse against internal/password.Verify (its vendored argon2id, DefaultParams, on a reused, already faulted-in work buffer as in a busy server; %s), Hydra against golang.org/x/crypto/argon2.IDKey with a fresh allocation (what its login app runs; %s). node-oidc-provider hashes with hash-wasm inside node, which the harness cannot time: no estimate.\n",
		fmtDur(hashRef.gatehouse), fmtDur(hashRef.xcrypto))
	b.WriteString("\n## Memory and start-up\n\n")
	b.WriteString("| server | start → first discovery 200 | idle RSS | max RSS, token workloads | max RSS, sign-ins | others on server CPU (mean) | time for its rows |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, sr := range results {
		if sr.na != "" && len(sr.cold) == 0 {
			fmt.Fprintf(&b, "| %s | n/a | | | | | |\n", sr.label)
			continue
		}
		cold := fmtDur(median(sr.cold))
		if len(sr.cold) > 1 {
			cold = fmt.Sprintf("%s (median of %d)", cold, len(sr.cold))
		}
		var others []float64
		for _, r := range sr.res {
			if r.na == "" && r.rps > 0 {
				others = append(others, r.othersCPU)
			}
		}
		oth := "—"
		if len(others) > 0 {
			sum := 0.0
			for _, v := range others {
				sum += v
			}
			oth = fmt.Sprintf("%.0f %%", 100*sum/float64(len(others)))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %v |\n", sr.label, cold, fmtMiB(sr.idleRSS), fmtMiB(sr.loadRSS),
			fmtMiB(sr.signinRSS), oth, sr.wall.Round(time.Second))
	}
	b.WriteString("\nRSS is VmRSS of the server process (Hydra's login app, a separate process, is not included; PostgreSQL's backends are not included for Gatehouse on PostgreSQL). Server CPU / op is user+system time of the server process(es) during the measured window divided by completed operations (for Hydra's sign-in it includes the login app).\n")

	// Targets from spec/quality.md.
	b.WriteString("\n## Targets (spec/quality.md), this run\n\n")
	b.WriteString("Gatehouse on SQLite against the others. \"met\" judges req/s; the CPU column (the other server's CPU per operation ÷ Gatehouse's) does not depend on what else the machine was doing, so it is the steadier figure when \"others on server CPU\" is high (PostgreSQL's own CPU is not in it).\n\n")
	b.WriteString("| target | this run (req/s) | by server CPU / op | met |\n|---|---|---|---|\n")
	ratioRow := func(label, wl, peer, peerWL string, want float64) {
		g := get("gatehouse-sqlite", wl)
		p := get(peer, peerWL)
		if g == nil || p == nil {
			fmt.Fprintf(&b, "| %s | n/a | | — |\n", label)
			return
		}
		v := g.rps / p.rps
		cpu := "—"
		if g.cpuPerOp > 0 && p.cpuPerOp > 0 {
			cpu = fmt.Sprintf("%.1f×", float64(p.cpuPerOp)/float64(g.cpuPerOp))
		}
		fmt.Fprintf(&b, "| %s | %.1f× | %s | %s |\n", label, v, cpu, yes(v >= want))
	}
	ratioRow("client_credentials JWT ≥ 5× node-oidc-provider (ES256)", "cc", "node", "cc", 5)
	ratioRow("client_credentials JWT ≥ 10× node-oidc-provider as Logto configures it (ES384)", "cc", "node", "cc_logto", 10)
	ratioRow("client_credentials JWT ≥ 20× Hydra", "cc", "hydra", "cc", 20)
	ratioRow("discovery ≥ 6× node-oidc-provider", "discovery", "node", "discovery", 6)
	ratioRow("JWKS ≥ 3× node-oidc-provider", "jwks", "node", "jwks", 3)
	for _, wl := range []string{"discovery", "jwks"} {
		g, s := get("gatehouse-sqlite", wl), get("stub", wl)
		if g == nil || s == nil {
			fmt.Fprintf(&b, "| %s ≥ 90 %% of the plain stub | n/a | | — |\n", wl)
		} else {
			v := g.rps / s.rps
			fmt.Fprintf(&b, "| %s ≥ 90 %% of the plain stub | %.0f %% | %.0f %% | %s |\n", wl, v*100, 100*float64(s.cpuPerOp)/float64(max(g.cpuPerOp, 1)), yes(v >= 0.9))
		}
	}
	ratioRow("introspection ≥ 5× node-oidc-provider", "introspection", "node", "introspection", 5)
	ratioRow("userinfo ≥ 5× node-oidc-provider", "userinfo", "node", "userinfo", 5)
	ratioRow("refresh-token grant ≥ 5× node-oidc-provider", "refresh", "node", "refresh", 5)
	if g := get("gatehouse-sqlite", "signin"); g != nil && g.cpuPerOp > 0 && g.hashCPUPerOp > 0 {
		share := outsideHash(g.cpuPerOp, g.hashCPUPerOp)
		fmt.Fprintf(&b, "| sign-in: all but the password hash ≤ 10 %% of its CPU | | %.1f %% (%s server CPU per sign-in, of which %s hashing as the server measures it on the hashing thread, %s outside it; the harness's estimate against its own timing of the same code: ≈ %.0f %%) | %s |\n",
			share*100, fmtDur(g.cpuPerOp), fmtDur(g.hashCPUPerOp), fmtDur(g.cpuPerOp-g.hashCPUPerOp), 100*outsideHash(g.cpuPerOp, hashRef.gatehouse), yes(share <= 0.10))
	} else if g != nil && g.cpuPerOp > 0 && hashRef.gatehouse > 0 {
		share := outsideHash(g.cpuPerOp, hashRef.gatehouse)
		fmt.Fprintf(&b, "| sign-in: all but the password hash ≤ 10 %% of its CPU | | ≈ %.0f %% (%s server CPU per sign-in; one check with Gatehouse's own argon2id code and parameters, warm buffer, timed in the harness: %s CPU) | %s |\n",
			share*100, fmtDur(g.cpuPerOp), fmtDur(hashRef.gatehouse), yes(share <= 0.10))
	} else {
		b.WriteString("| sign-in: all but the password hash ≤ 10 % of its CPU | | n/a | — |\n")
	}
	if sr := by["gatehouse-sqlite"]; sr != nil && sr.idleRSS > 0 {
		fmt.Fprintf(&b, "| idle RSS ≤ 20 MiB | %s | | %s |\n", fmtMiB(sr.idleRSS), yes(sr.idleRSS <= 20*1024))
		l := max(sr.loadRSS, sr.signinRSS)
		fmt.Fprintf(&b, "| RSS under load ≤ 80 MiB | %s (token workloads %s, sign-ins %s) | | %s |\n", fmtMiB(l), fmtMiB(sr.loadRSS), fmtMiB(sr.signinRSS), yes(l > 0 && l <= 80*1024))
		m := median(sr.cold)
		fmt.Fprintf(&b, "| start → served discovery ≤ 200 ms (SQLite) | %s | | %s |\n", fmtDur(m), yes(m > 0 && m <= 200*time.Millisecond))
	} else {
		b.WriteString("| idle RSS ≤ 20 MiB | n/a | | — |\n| RSS under load ≤ 80 MiB | n/a | | — |\n| start → served discovery ≤ 200 ms (SQLite) | n/a | | — |\n")
	}
	b.WriteString("\nNot measured here: the 1,000,000-user scale target.\n")
	return b.String()
}

// outsideHash is the share of a sign-in's CPU that is not the password
// hash ref, estimated by subtraction. A negative result (the reference
// costs more than the whole sign-in: noise, or a reference that is not what
// the server runs) is reported as 0.
func outsideHash(signin, ref time.Duration) float64 {
	return max(0, 1-float64(ref)/float64(signin))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
