package transport

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	p := Policy{}.withDefaults()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name, h string
		want    time.Duration
	}{
		{"none", "", 0},
		{"seconds", "3", 3 * time.Second},
		{"seconds with spaces", " 20 ", 20 * time.Second},
		{"negative", "-4", 0},
		{"capped", "3600", 60 * time.Second},
		{"not a number or a date", "soon", 0},
		{"a date", date(10 * time.Second), 10 * time.Second},
		{"a date past", date(-time.Hour), 0},
		{"a date far ahead, capped", date(24 * time.Hour), 60 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := p.retryAfter(tc.h, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %s, want %s", tc.h, got, tc.want)
			}
		})
	}
}
