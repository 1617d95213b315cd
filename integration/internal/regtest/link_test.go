package regtest

import (
	"strings"
	"testing"
	"time"
)

func TestUserNamespaces(t *testing.T) {
	t.Parallel()
	r := New(t, Options{TLS: true, Token: true, Users: map[string]string{"lab": "pw"}, UserNamespaces: true})
	img := NewImage(Platform{OS: "linux", Architecture: "amd64"}, false)
	if err := r.PushImage("lab/app", "1", img); err != nil {
		t.Fatalf("pushing in the user's namespace: %v", err)
	}
	err := r.PushImage("other/app", "1", img)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("pushing outside the user's namespace: got %v, want a 401", err)
	}
	if _, err := r.GetManifest("lab/app", "1"); err != nil {
		t.Fatalf("pulling: %v", err)
	}
}

func TestLatencyAndTraffic(t *testing.T) {
	t.Parallel()
	const rtt = 20 * time.Millisecond
	r := New(t, Options{TLS: true, Token: true, Users: map[string]string{"lab": "pw"}, Latency: rtt})
	img := NewLayeredImage(Platform{OS: "linux", Architecture: "arm64"}, 2)
	start := time.Now()
	if err := r.PushImage("lab/app", "1", img); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	got := r.Traffic()
	// three blobs (a POST and a PUT each) and a manifest, each request
	// with a token of its own
	want := map[string]int{"POST blobs/uploads": 3, "PUT blobs/uploads": 3, "PUT manifests": 1}
	for k, n := range want {
		if got.Requests[k] != n {
			t.Errorf("%s: %d, want %d (all: %s)", k, got.Requests[k], n, Describe(got.Requests))
		}
	}
	if got.Tokens != 7 || got.Total() != 14 || got.Conns < 2 || got.Unauthorized != 0 {
		t.Errorf("traffic %+v; want 7 tokens, 14 requests, 2 or more connections, no 401", got)
	}
	if took < 14*rtt {
		t.Errorf("14 requests took %s, less than 14 round trips of %s", took, rtt)
	}
	r.SetLatency(0)
	start = time.Now()
	if _, err := r.GetManifest("lab/app", "1"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took >= 2*rtt {
		t.Errorf("without latency a pull took %s", took)
	}
	if got := r.Traffic(); got.Requests["GET manifests"] != 1 || got.Tokens != 1 {
		t.Errorf("after a pull: %+v", got)
	}
}
