package cookie

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRoundTripAndTampering(t *testing.T) {
	c := NewCodec([]byte("0123456789abcdef0123456789abcdef"), true)
	rec := httptest.NewRecorder()
	c.Set(rec, Session, "abc123", time.Hour)
	set := rec.Result().Cookies()[0]
	if !set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteLaxMode || set.MaxAge != 3600 {
		t.Fatalf("cookie attributes wrong: %+v", set)
	}

	tests := []struct {
		name   string
		cookie *http.Cookie
		want   string
	}{
		{"valid", &http.Cookie{Name: Session, Value: set.Value}, "abc123"},
		{"value changed", &http.Cookie{Name: Session, Value: strings.Replace(set.Value, "abc123", "abc124", 1)}, ""},
		{"moved to another name", &http.Cookie{Name: Interaction, Value: set.Value}, ""},
		{"unsigned", &http.Cookie{Name: Session, Value: "abc123"}, ""},
		{"other key", &http.Cookie{Name: Session, Value: "abc123." + NewCodec([]byte("another key of thirty-two bytes!"), false).mac(Session, "abc123")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(tt.cookie)
			got := c.Get(req, tt.cookie.Name)
			if tt.cookie.Name != Session {
				got = c.Get(req, Interaction)
			}
			if got != tt.want {
				t.Fatalf("Get = %q, want %q", got, tt.want)
			}
		})
	}
}
