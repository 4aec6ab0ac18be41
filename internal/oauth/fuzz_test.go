package oauth

import (
	"net/url"
	"testing"
)

func FuzzRedirectURIMatch(f *testing.F) {
	for _, s := range []string{"https://a.example/cb", "http://127.0.0.1:8080/cb", "http://[::1]/x", "com.app:/cb", "http://localhost:1/cb?q#f", "%zz", ""} {
		f.Add(s, s, true)
	}
	f.Fuzz(func(t *testing.T, registered, requested string, native bool) {
		ok := MatchRedirectURI([]string{registered}, requested, native)
		if !ok {
			return
		}
		if registered == requested {
			return
		}
		// A non-exact match is only ever the RFC 8252 loopback rule: both
		// must be http loopback URIs differing at most in the port.
		if !native {
			t.Fatalf("non-native inexact match %q vs %q", registered, requested)
		}
		a, err1 := url.Parse(registered)
		b, err2 := url.Parse(requested)
		if err1 != nil || err2 != nil || a.Scheme != "http" || b.Scheme != "http" ||
			a.Hostname() != b.Hostname() || !IsLoopbackHost(b.Hostname()) || a.Path != b.Path || b.Fragment != "" {
			t.Fatalf("bad loopback match %q vs %q", registered, requested)
		}
	})
}

func FuzzPKCE(f *testing.F) {
	f.Add("C2-4Oie_lzdwP56VhBI8kMjxYGCke4F1Z-cwqYbJFo0", "S256", "dBjftJeZ4CVP-mJ92K1N4Vc_2KKpzoM2mOV-jqtRyEh")
	f.Add("", "plain", "")
	f.Fuzz(func(t *testing.T, challenge, method, verifier string) {
		if VerifyPKCE(challenge, method, verifier) {
			if method != "S256" || !ValidVerifier(verifier) || S256Challenge(verifier) != challenge {
				t.Fatalf("accepted bad PKCE %q %q %q", challenge, method, verifier)
			}
		}
		if ValidVerifier(verifier) && !VerifyPKCE(S256Challenge(verifier), "S256", verifier) {
			t.Fatalf("rejected good verifier %q", verifier)
		}
	})
}
