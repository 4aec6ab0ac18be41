package sqlstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Column encodings shared by every table:
//   - times are BIGINT unix milliseconds in UTC; the zero time is NULL;
//   - optional strings (unique keys, foreign keys) are NULL when empty so
//     that "unset" never collides in a unique index;
//   - slices and maps are JSON text; an empty one is NULL and reads back nil;
//   - raw JSON is stored byte for byte; empty is NULL and reads back nil;
//   - structs are JSON text, always present.

// millis encodes t for a BIGINT column.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// truncate rounds t to what the database keeps, so a record handed back to
// the caller after a write equals what a later read returns.
func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// timeCol scans a nullable BIGINT millisecond column into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// nullString encodes s for an optional TEXT column.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// strCol scans a nullable TEXT column into a string ("" for NULL).
type strCol struct{ s *string }

func (c strCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("text column: unexpected %T", src)
	}
	return nil
}

// rawJSON encodes a json.RawMessage for a TEXT column.
func rawJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// rawCol scans a TEXT column into a json.RawMessage, copying because the
// driver may reuse its buffer.
type rawCol struct{ m *json.RawMessage }

func (c rawCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.m = nil
	case string:
		if v == "" {
			*c.m = nil
		} else {
			*c.m = json.RawMessage(v)
		}
	case []byte:
		if len(v) == 0 {
			*c.m = nil
		} else {
			*c.m = append(json.RawMessage(nil), v...)
		}
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return nil
}

// jsonVal encodes v as JSON text. Empty slices and maps (and nil pointers)
// become NULL so that "none" has one representation.
func jsonVal(v any) (any, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		if rv.Len() == 0 {
			return nil, nil
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// jsonCol scans a nullable JSON TEXT column into *dst; NULL leaves the zero
// value, which for slices, maps and pointers is nil.
type jsonCol struct{ dst any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		reflect.ValueOf(c.dst).Elem().SetZero()
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	if dst, ok := c.dst.(*[]string); ok {
		if ss, ok := scanStrings(b); ok {
			*dst = ss
			return nil
		}
	}
	rv := reflect.ValueOf(c.dst).Elem()
	rv.SetZero()
	if err := json.Unmarshal(b, c.dst); err != nil {
		return fmt.Errorf("json column: %w", err)
	}
	// An empty JSON array or object reads back as nil, like NULL does.
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0 {
		rv.SetZero()
	}
	return nil
}

// scanStrings reads b when it is a compact JSON array of plain strings —
// printable ASCII, no escapes — as jsonVal writes scopes, resources and AMR
// (a token read decodes four of them; encoding/json took a third of the
// read). ok is false for anything else, which encoding/json then reads. An
// empty array is nil, as jsonCol makes it. The strings share one
// allocation.
func scanStrings(b []byte) (ss []string, ok bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	if len(b) == 2 {
		return nil, true
	}
	body := string(b[1 : len(b)-1])
	ss = make([]string, 0, strings.Count(body, ",")+1)
	for {
		if len(body) < 2 || body[0] != '"' {
			return nil, false
		}
		end := 1
		for ; end < len(body) && body[end] != '"'; end++ {
			if c := body[end]; c < 0x20 || c >= 0x7f || c == '\\' {
				return nil, false
			}
		}
		if end == len(body) {
			return nil, false
		}
		ss = append(ss, body[1:end])
		body = body[end+1:]
		if body == "" {
			return ss, true
		}
		if body[0] != ',' {
			return nil, false
		}
		body = body[1:]
	}
}

// jsonArgs encodes several values with jsonVal, stopping at the first error.
func jsonArgs(vs ...any) ([]any, error) {
	out := make([]any, len(vs))
	for i, v := range vs {
		enc, err := jsonVal(v)
		if err != nil {
			return nil, err
		}
		out[i] = enc
	}
	return out, nil
}

// scanner is the common part of *sql.Row and *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}
