// Package arch keeps the architecture honest: dependencies point inward
// (handlers → domain → store), the store has no HTTP, and only the wiring
// package knows the concrete backends.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gatehouse/gatehouse/"

// imports maps each package of the module (tests excluded) to its direct
// imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	return m
}

func TestDependenciesPointInward(t *testing.T) {
	// Handler packages: the only ones allowed to speak HTTP to browsers
	// and clients, and the only ones domain packages may never import.
	handlers := []string{"internal/oidc", "internal/experience", "internal/ui", "internal/httpapi", "internal/server",
		"internal/management"}
	// Domain packages: no HTTP at all.
	domain := []string{"internal/application", "internal/user", "internal/password", "internal/interaction",
		"internal/signing", "internal/token", "internal/id", "internal/store", "internal/config",
		"internal/signinexp", "internal/ratelimit", "internal/connector/email", "internal/connector/sms"}
	isUnder := func(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }

	for pkg, deps := range imports(t) {
		for _, d := range deps {
			dep := strings.TrimPrefix(d, module)
			for _, dom := range domain {
				if !isUnder(pkg, dom) {
					continue
				}
				if d == "net/http" {
					t.Errorf("domain package %s imports net/http", pkg)
				}
				for _, h := range handlers {
					if isUnder(dep, h) {
						t.Errorf("domain package %s imports handler package %s", pkg, dep)
					}
				}
			}
			if (isUnder(dep, "internal/store/sqlite") || isUnder(dep, "internal/store/postgres")) &&
				pkg != "internal/server" && !isUnder(pkg, "internal/store") && !isUnder(pkg, "test") {
				t.Errorf("%s imports the concrete store %s; only internal/server may", pkg, dep)
			}
			if dep == "internal/server" && pkg != "cmd/gatehouse" && pkg != "test/testenv" {
				t.Errorf("%s imports internal/server; only cmd/gatehouse and test/testenv may", pkg)
			}
		}
	}
}

func TestNoGrabBagPackages(t *testing.T) {
	for pkg := range imports(t) {
		last := pkg[strings.LastIndex(pkg, "/")+1:]
		switch last {
		case "util", "utils", "common", "helpers", "helper", "misc", "x":
			t.Errorf("package %s: name it for what it holds", pkg)
		}
	}
}

// TestBinaryLinksNoTestCode: test helpers live in packages of their own
// (storetest, pgtest, mfatest), so the server binary does not carry the
// testing package and its flags.
func TestBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"cmd/gatehouse").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" || strings.HasSuffix(dep, "test") && strings.HasPrefix(dep, module) {
			t.Errorf("cmd/gatehouse links %s", dep)
		}
	}
}
