package oidc

import (
	"encoding/base64"
	"strings"
	"testing"
)

func FuzzDecodeBasic(f *testing.F) {
	for _, s := range []string{"m2m:secret", "a%3Ab:c%25d", ":x", "x", "é:\xff", "a:b:c"} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(s)))
	}
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, in string) {
		id, secret, ok := decodeBasic(in)
		if ok && (id == "" || !clean(id) || !clean(secret)) {
			t.Fatalf("accepted %q → %q %q", in, id, secret)
		}
	})
}

func FuzzJSONParams(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"resource":["x","y"],"n":1,"b":true,"z":null}`, `[]`, `{"a":{"b":1}}`, `{`, `{"a":"b"} {}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := jsonParams([]byte(in))
		if err != nil {
			return
		}
		for k, vals := range v {
			for _, s := range vals {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) > 1 && k == "" {
					t.Fatalf("object leaked as a value: %q", s)
				}
			}
		}
	})
}

func FuzzSplitResources(f *testing.F) {
	f.Add("https://a.example,https://b.example", " , ,x")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, r := range splitResources([]string{a, b}) {
			if r == "" || strings.Contains(r, ",") || strings.TrimSpace(r) != r {
				t.Fatalf("bad item %q", r)
			}
		}
	})
}
