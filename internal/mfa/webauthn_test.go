package mfa_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/mfa/mfatest"
)

const endpoint = "https://auth.example.com"

func TestWebAuthnRegisterAndLogin(t *testing.T) {
	rp, err := mfa.NewRelyingParty(endpoint, "Gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	if rp.RPID() != "auth.example.com" {
		t.Fatalf("RP ID = %q", rp.RPID())
	}
	authn := mfatest.New(endpoint)
	acct := mfa.Account{ID: "user1", Name: "alice"}

	options, session, err := rp.BeginRegistration(acct)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		RP   struct{ ID, Name string }
		User struct{ ID, Name string }
	}
	if err := json.Unmarshal(options, &opts); err != nil || opts.RP.ID != "auth.example.com" || opts.User.Name != "alice" {
		t.Fatalf("registration options = %s", options)
	}
	payload, err := authn.Register(options)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := rp.FinishRegistration(acct, session, payload)
	if err != nil {
		t.Fatalf("finish registration: %v", err)
	}
	if len(cred.ID) != 16 || len(cred.PublicKey) == 0 || cred.Attachment != "platform" {
		t.Fatalf("credential = %+v", cred)
	}
	// The same response cannot be replayed into a new ceremony.
	_, session2, _ := rp.BeginRegistration(acct)
	if _, err := rp.FinishRegistration(acct, session2, payload); !errors.Is(err, mfa.ErrWebAuthn) {
		t.Fatalf("replayed registration: %v", err)
	}

	cred.FactorID = "factor-1"
	acct.Credentials = []mfa.Credential{*cred}
	// A second registration excludes the existing credential.
	options, _, err = rp.BeginRegistration(acct)
	if err != nil {
		t.Fatal(err)
	}
	var excl struct {
		ExcludeCredentials []struct{ ID string } `json:"excludeCredentials"`
	}
	if json.Unmarshal(options, &excl); len(excl.ExcludeCredentials) != 1 {
		t.Fatalf("excludeCredentials = %s", options)
	}

	login := func() (json.RawMessage, json.RawMessage) {
		t.Helper()
		options, session, err := rp.BeginLogin(acct)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := authn.Assert(options)
		if err != nil {
			t.Fatal(err)
		}
		return session, payload
	}
	session, payload = login()
	used, err := rp.FinishLogin(acct, session, payload)
	if err != nil {
		t.Fatalf("finish login: %v", err)
	}
	if used.FactorID != "factor-1" || used.SignCount != 1 {
		t.Fatalf("used credential = %+v", used)
	}
	acct.Credentials[0].SignCount = used.SignCount

	// A replayed assertion (same counter, other challenge) fails.
	session2, _ = login()
	if _, err := rp.FinishLogin(acct, session2, payload); !errors.Is(err, mfa.ErrWebAuthn) {
		t.Fatalf("replayed assertion: %v", err)
	}
}

func TestWebAuthnRejects(t *testing.T) {
	rp, _ := mfa.NewRelyingParty(endpoint, "Gatehouse")
	acct := mfa.Account{ID: "user1", Name: "alice"}
	good := mfatest.New(endpoint)
	options, session, _ := rp.BeginRegistration(acct)

	evil := mfatest.New("https://evil.example")
	badOrigin, _ := evil.Register(options)
	if _, err := rp.FinishRegistration(acct, session, badOrigin); !errors.Is(err, mfa.ErrWebAuthn) {
		t.Fatalf("other origin: %v", err)
	}
	otherRP, _ := mfa.NewRelyingParty("https://other.example", "Other")
	otherOptions, _, _ := otherRP.BeginRegistration(acct)
	wrongRP, _ := good.Register(otherOptions) // right origin, other RP ID and challenge
	for name, payload := range map[string]json.RawMessage{
		"wrong rp and challenge": wrongRP,
		"not json":               json.RawMessage(`"x"`),
		"empty object":           json.RawMessage(`{}`),
		"garbage response":       json.RawMessage(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"!!","attestationObject":"??"}}`),
	} {
		if _, err := rp.FinishRegistration(acct, session, payload); !errors.Is(err, mfa.ErrWebAuthn) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := rp.FinishRegistration(acct, json.RawMessage(`not json`), wrongRP); !errors.Is(err, mfa.ErrWebAuthn) {
		t.Errorf("corrupt state: %v", err)
	}
	if _, _, err := rp.BeginLogin(acct); !errors.Is(err, mfa.ErrWebAuthn) {
		t.Errorf("login without credentials: %v", err)
	}
	if _, err := mfa.NewRelyingParty("not a url", "x"); err == nil {
		t.Error("a bad endpoint was accepted")
	}
}
