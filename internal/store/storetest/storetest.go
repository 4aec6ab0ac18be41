// Package storetest is the conformance suite every store.Store
// implementation must pass, in the shape of Dex's storage/conformance: a
// backend's test only supplies a constructor.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
//	}
//
// open must return an empty, migrated store and arrange (with t.Cleanup) for
// it to be closed. Every leaf test gets its own store, so tests neither see
// each other's rows nor depend on order.
package storetest

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t *testing.T) store.Store

type test struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

type group struct {
	name  string
	tests []test
}

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	groups := []group{
		{"Applications", applicationTests},
		{"Users", userTests},
		{"SigningKeys", signingKeyTests},
		{"Interactions", interactionTests},
		{"Sessions", sessionTests},
		{"AuthorizationCodes", codeTests},
		{"Tokens", tokenTests},
		{"Grants", grantTests},
		{"Resources", resourceTests},
		{"Roles", roleTests},
		{"Transactions", txTests},
		{"Concurrency", concurrencyTests},
		{"DeleteExpired", expireTests},
		{"Misc", miscTests},
		{"OIDC", oidcTests},
		{"SignIn", signInTests},
		{"Authenticators", authenticatorTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(t, open(t))
				})
			}
		})
	}
}

// t0 is the suite's "now". Times are whole milliseconds in UTC because that
// is what stores keep; anything finer would make round trips unequal.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// ok fails on any error.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// equal fails unless got and want are deeply equal, after normalising times
// to instants (time.Time's location pointer is not part of its value).
func equal(t *testing.T, got, want any, what string) {
	t.Helper()
	if !reflect.DeepEqual(normalise(got), normalise(want)) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// normalise rewrites every time.Time inside v as UTC so DeepEqual compares
// instants. It returns a copy; v is not modified.
func normalise(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return v
	}
	out := reflect.New(rv.Type()).Elem()
	normaliseValue(out, rv)
	return out.Interface()
}

var timeType = reflect.TypeFor[time.Time]()

func normaliseValue(dst, src reflect.Value) {
	if src.Type() == timeType {
		tm := src.Interface().(time.Time)
		if !tm.IsZero() {
			tm = time.UnixMilli(tm.UnixMilli()).UTC()
		}
		dst.Set(reflect.ValueOf(tm))
		return
	}
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Elem().Type())
		normaliseValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Struct:
		for i := range src.NumField() {
			if !dst.Field(i).CanSet() {
				dst.Set(src) // unexported fields: compare as is
				return
			}
			normaliseValue(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			normaliseValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	default:
		dst.Set(src)
	}
}

// hash returns a distinct 32-byte value standing in for a SHA-256 digest.
func hash(label string) []byte {
	b := bytes.Repeat([]byte{0}, 32)
	copy(b, label)
	return b
}
