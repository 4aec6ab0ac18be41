package oauth

import "strings"

// ParseScope splits a scope parameter (RFC 6749 §3.3: space-delimited,
// case-sensitive) into distinct tokens in their first-seen order.
func ParseScope(s string) []string {
	if s == "" {
		return nil
	}
	fields := strings.Fields(s)
	out := fields[:0]
	for _, f := range fields {
		if !Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// FormatScope joins scopes for the wire.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }

// Contains reports whether list holds s.
func Contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Intersect returns the members of a that are also in b, in a's order.
func Intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if Contains(b, s) && !Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Subset reports whether every member of a is in b.
func Subset(a, b []string) bool {
	for _, s := range a {
		if !Contains(b, s) {
			return false
		}
	}
	return true
}
