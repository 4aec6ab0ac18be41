package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/gatehouse/gatehouse/test/testenv"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary builds cmd/gatehouse once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/gatehouse")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestBinary runs the real binary as an operator would: first start on a
// fresh data directory, the printed URLs, the CLI's JSON output, a
// client_credentials token for the app it created, and a clean SIGTERM.
func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freePort(t)
	endpoint := "http://" + addr
	env := append(os.Environ(),
		"GATEHOUSE_ADDR="+addr,
		"GATEHOUSE_ENDPOINT="+endpoint,
		"GATEHOUSE_DATABASE_URL=sqlite://"+filepath.Join(dir, "data", "gatehouse.db"),
		"GATEHOUSE_SECRET_KEY=",
	)
	runCLI := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gatehouse %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}

	// Bad configuration stops with one line naming the variable.
	bad := exec.Command(bin)
	bad.Env = append(env, "GATEHOUSE_ENDPOINT=not a url")
	out, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "GATEHOUSE_ENDPOINT") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Fatalf("bad config: err=%v output=%q", err, out)
	}

	start := time.Now()
	srv := exec.Command(bin)
	srv.Env = env
	stdout, _ := srv.StdoutPipe()
	var logs bytes.Buffer
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill() })
	banner := make(chan string, 1)
	go func() {
		var sb strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			sb.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Management API") {
				banner <- sb.String()
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var printed string
	select {
	case printed = <-banner:
	case <-time.After(20 * time.Second):
		t.Fatalf("no start-up banner; logs:\n%s", logs.String())
	}
	for _, want := range []string{endpoint + "/demo-app", endpoint + "/sign-in", endpoint + "/oidc/.well-known/openid-configuration"} {
		if !strings.Contains(printed, want) {
			t.Fatalf("banner lacks %s:\n%s", want, printed)
		}
	}
	resp, err := http.Get(endpoint + "/oidc/.well-known/openid-configuration")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery: %v %v", err, resp)
	}
	resp.Body.Close()
	t.Logf("first start to discovery served: %s", time.Since(start))
	if _, err := os.Stat(filepath.Join(dir, "data", "secret.key")); err != nil {
		t.Fatalf("secret key not created on first start: %v", err)
	}

	// The demo app is seeded and its page is served.
	var list []struct {
		ID, Type string
	}
	testenv.Must(0, json.Unmarshal(runCLI("apps", "list"), &list))
	types := map[string]string{}
	for _, a := range list {
		types[a.ID] = a.Type
	}
	if len(list) != 2 || types["demo-app"] != "SPA" {
		t.Fatalf("apps list = %+v, want the demo app and the admin app", list)
	}

	// The first start made an admin ready: credentials in a 0600 file that
	// get a Management API token.
	adminFile := filepath.Join(dir, "data", "admin.json")
	st, err := os.Stat(adminFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin credentials file: %v %v", err, st)
	}
	var admin struct {
		ID, Secret, Resource, TokenEndpoint string
	}
	testenv.Must(0, json.Unmarshal(testenv.Must(os.ReadFile(adminFile)), &admin))
	if types[admin.ID] != "MachineToMachine" || admin.TokenEndpoint != endpoint+"/oidc/token" {
		t.Fatalf("admin credentials = %+v", admin)
	}
	if !strings.Contains(printed, adminFile) || strings.Contains(printed, admin.Secret) {
		t.Fatalf("banner must name the credentials file and never print the secret:\n%s", printed)
	}
	mgmt := url.Values{"grant_type": {"client_credentials"}, "resource": {admin.Resource}, "scope": {"all"}}
	mreq, _ := http.NewRequest("POST", admin.TokenEndpoint, strings.NewReader(mgmt.Encode()))
	mreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	mreq.SetBasicAuth(admin.ID, admin.Secret)
	var mtok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	mresp := testenv.Must(http.DefaultClient.Do(mreq))
	testenv.Must(0, json.NewDecoder(mresp.Body).Decode(&mtok))
	mresp.Body.Close()
	if mresp.StatusCode != 200 || mtok.Scope != "all" {
		t.Fatalf("admin token: %d %+v", mresp.StatusCode, mtok)
	}
	sreq, _ := http.NewRequest("GET", endpoint+"/api/sign-in-exp", nil)
	sreq.Header.Set("Authorization", "Bearer "+mtok.AccessToken)
	sresp := testenv.Must(http.DefaultClient.Do(sreq))
	sresp.Body.Close()
	if sresp.StatusCode != 200 {
		t.Fatalf("GET /api/sign-in-exp with the admin token: %d", sresp.StatusCode)
	}
	page, err := http.Get(endpoint + "/demo-app")
	if err != nil || page.StatusCode != 200 {
		t.Fatalf("demo app page: %v %v", err, page)
	}
	page.Body.Close()

	// apps create prints the secret once; resources create grants scopes.
	var app struct {
		ID, Secret, Type string
	}
	testenv.Must(0, json.Unmarshal(runCLI("apps", "create", "--type", "MachineToMachine", "--name", "robot"), &app))
	if app.ID == "" || app.Secret == "" || app.Type != "MachineToMachine" {
		t.Fatalf("apps create = %+v", app)
	}
	runCLI("resources", "create", "--indicator", "https://api.example.com", "--scope", "read", "--scope", "write", "--assign-app", app.ID)
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
	req, _ := http.NewRequest("POST", endpoint+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.ID, app.Secret)
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(tr.Body)
	tr.Body.Close()
	if tr.StatusCode != 200 || !strings.Contains(string(body), `"access_token"`) {
		t.Fatalf("client_credentials: %d %s", tr.StatusCode, body)
	}

	// Invalid CLI input: a clear error and a non-zero exit.
	badApp := exec.Command(bin, "apps", "create", "--type", "Desktop", "--name", "x")
	badApp.Env = env
	if out, err := badApp.CombinedOutput(); err == nil || !strings.Contains(strings.ToLower(string(out)), "type") {
		t.Fatalf("bad app type: err=%v out=%s", err, out)
	}

	// Keys rotate: both keys are published.
	runCLI("keys", "rotate")

	// SIGTERM: a clean exit.
	_ = srv.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop after SIGINT")
	}
	if strings.Contains(logs.String(), app.Secret) {
		t.Fatal("the client secret appeared in the logs")
	}

	// Second start: keys are loaded, not generated; measure start time.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start = time.Now()
	srv2 := exec.CommandContext(ctx, bin)
	srv2.Env = env
	if err := srv2.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv2.Process.Kill(); _ = srv2.Wait() }()
	for {
		r, err := http.Get(endpoint + "/oidc/jwks")
		if err == nil {
			var jwks struct {
				Keys []json.RawMessage `json:"keys"`
			}
			_ = json.NewDecoder(r.Body).Decode(&jwks)
			r.Body.Close()
			// ES256 current + previous after rotation, plus the RS256 key.
			if len(jwks.Keys) < 3 {
				t.Fatalf("JWKS after rotation has %d keys", len(jwks.Keys))
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("second start never served")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("restart to JWKS served: %s", time.Since(start))
}
