package oidc

import (
	"mime"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

var formSeeds = []string{
	"", "&", "a", "a=", "=b", "a=b", "a=b&a=c", "a=b&&c=d", "a=b;c=d", "a;=b&c=d", "a=%zz&b=c", "a=%4&b=c", "a=%41%42+c",
	"%41=b&%41=%42", "a=b&c=%2", "+=+", "a=%e2%82%ac&b=\xff", "a=%00", "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&scope=read+write",
	"a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&a=11", "x=%GG", "x=%", "x=a%2", "k%3D=v%26", "%zz=v&ok=1",
}

// TestParseFormMatchesNetURL: parseForm gives what url.ParseQuery gives.
func TestParseFormMatchesNetURL(t *testing.T) {
	for _, s := range formSeeds {
		checkParseForm(t, s)
	}
	checkParseForm(t, strings.Repeat("a=b&", maxParams-1)+"a=c")
	checkParseForm(t, strings.Repeat("a=b&", maxParams)+"a=c")
}

func FuzzParseForm(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParseForm)
}

func checkParseForm(t *testing.T, s string) {
	want, werr := url.ParseQuery(s)
	got, gerr := parseForm(s, make([]byte, 0, len(s)%7))
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: error %v, net/url %v", s, gerr, werr)
	}
	if werr != nil && len(want) == 0 && len(got) == 0 {
		return
	}
	if len(want) == 0 && len(got) == 0 {
		if got == nil {
			t.Fatalf("%q: nil map", s)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %q, net/url %q", s, got, want)
	}
	// Appending to one parameter must not change another.
	for k := range got {
		got[k] = append(got[k], "x")
	}
	for k, v := range got {
		if len(v) != len(want[k])+1 {
			t.Fatalf("%q: append leaked into %q: %q", s, k, v)
		}
	}
}

func TestContentTypeMatchesMime(t *testing.T) {
	for _, h := range []string{"", "application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded", "application/json",
		"APPLICATION/JSON", "application/json; charset=utf-8", "application/jſon", "application/x-www-form-urlencoded ",
		"text/plain", "garbage;;", "application/json;", "application/x-www-form-urlencoded; charset=UTF-8"} {
		want, _, _ := mime.ParseMediaType(h)
		if got := contentType(h); got != want {
			t.Errorf("contentType(%q) = %q, mime %q", h, got, want)
		}
	}
}

func FuzzContentType(f *testing.F) {
	f.Add("application/json")
	f.Add("Application/X-WWW-Form-URLEncoded")
	f.Fuzz(func(t *testing.T, h string) {
		want, _, _ := mime.ParseMediaType(h)
		if got := contentType(h); got != want {
			t.Fatalf("contentType(%q) = %q, mime %q", h, got, want)
		}
	})
}

func TestSplitResourcesSingle(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{{"https://a", []string{"https://a"}}, {" https://a", []string{"https://a"}}, {"a,b", []string{"a", "b"}}, {"", nil}, {",", nil}} {
		if got := splitResources([]string{c.in}); !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitResources(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
