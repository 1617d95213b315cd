package transport

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// sized answers 200 with a body of n zeros, announced (Content-Length n)
// or chunked, counting the bytes it managed to send.
func sized(n int64, chunked bool, sent *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		if !chunked {
			w.Header().Set("Content-Length", fmt.Sprint(n))
		}
		w.WriteHeader(http.StatusOK)
		if r.Method == "HEAD" {
			return
		}
		if chunked {
			http.NewResponseController(w).Flush() // else a small body gets its length said
		}
		chunk := make([]byte, 32<<10)
		for left := n; left > 0; {
			k, err := w.Write(chunk[:min(left, int64(len(chunk)))])
			sent.Add(int64(k))
			if err != nil {
				return
			}
			left -= int64(k)
		}
	}
}

// A manifest larger than the limit is refused: at once when its
// Content-Length says so, before its body is read (HEAD too); once more
// than the limit was read when its length is not said. It is not
// retried, and the error names the request, the limit and the flag.
// Blobs have no such limit, and a manifest at the limit passes.
func TestManifestLimit(t *testing.T) {
	t.Parallel()
	const huge = 2 << 30
	tests := []struct {
		name    string
		limit   int64
		method  string
		path    string
		size    int64
		chunked bool
		want    string // the error after the request, "" for none
	}{
		{"announced, 2 GiB", 0, "GET", "/v2/app/manifests/1", huge, false, "the manifest is 2147483648 bytes, over the limit of 4MiB (raise it with --max-manifest-size)"},
		{"announced, to a HEAD", 0, "HEAD", "/v2/app/manifests/1", 5 << 20, false, "the manifest is 5242880 bytes, over the limit of 4MiB (raise it with --max-manifest-size)"},
		{"chunked, 2 GiB", 0, "GET", "/v2/app/manifests/1", huge, true, "the manifest is over the limit of 4MiB, more was sent (raise it with --max-manifest-size)"},
		{"chunked, one byte over", 1000, "GET", "/v2/app/manifests/sha256:1", 1001, true, "the manifest is over the limit of 1000 bytes, more was sent (raise it with --max-manifest-size)"},
		{"chunked, at the limit", 1000, "GET", "/v2/app/manifests/1", 1000, true, ""},
		{"announced, at the limit", 0, "GET", "/v2/app/manifests/1", 4 << 20, false, ""},
		{"raised above what is read whole", 12 << 20, "GET", "/v2/app/manifests/1", 10 << 20, false, ""},
		{"chunked, raised above what is read whole, over", 9 << 20, "GET", "/v2/app/manifests/1", 10 << 20, true, "the manifest is over the limit of 9MiB, more was sent (raise it with --max-manifest-size)"},
		{"a blob", 1000, "GET", "/v2/app/blobs/sha256:1", 5 << 20, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			s := &script{steps: []http.HandlerFunc{sized(tc.size, tc.chunked, &sent)}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			tr, _ := newTransport(t, Options{MaxManifestSize: tc.limit, Retry: fast})
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path+"?ns=x", nil)
			resp, err := tr.RoundTrip(req)
			var n int64
			if err == nil {
				n, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			host := srv.Listener.Addr().String()
			if tc.want == "" {
				if err != nil || (tc.method == "GET" && n != tc.size) {
					t.Fatalf("read %d bytes, %v; want all %d", n, err, tc.size)
				}
				return
			}
			var big *SizeError
			if !errors.As(err, &big) || !big.Manifest {
				t.Fatalf("got %v, want a SizeError of a manifest", err)
			}
			want := tc.method + " " + host + tc.path + ": " + tc.want
			if err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
			if got := LimitCause(fmt.Errorf("failed to get manifest: %w", err)); got != want {
				t.Errorf("LimitCause: %q, want %q", got, want)
			}
			if seen, _ := s.requests(); len(seen) != 1 {
				t.Errorf("sent %d times, want once", len(seen))
			}
			if got := sent.Load(); got > 64<<20 {
				t.Errorf("the server sent %d bytes before the client let go", got)
			}
		})
	}
}

// An answer that is neither a manifest nor a blob (a tag list, referrers,
// a token) is refused past 32 MiB: regclient reads such answers whole,
// with no limit of its own, so that a registry answering a tag list
// without end would take all the memory there is. Blobs stream, and have
// no such limit.
func TestAnswerLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		size    int64
		chunked bool
		want    string // the error after the request, "" for none
	}{
		{"a tag list without end", "/v2/app/tags/list", 2 << 30, true, "the answer is over the limit of 32MiB for what is not a manifest or a blob, more was sent"},
		{"a tag list of 100 MiB", "/v2/app/tags/list", 100 << 20, false, "the answer is 104857600 bytes, over the limit of 32MiB for what is not a manifest or a blob"},
		{"referrers without end", "/v2/app/referrers/sha256:1", 2 << 30, true, "the answer is over the limit of 32MiB for what is not a manifest or a blob, more was sent"},
		{"a tag list of 10 MiB", "/v2/app/tags/list", 10 << 20, true, ""},
		{"a blob of 100 MiB", "/v2/app/blobs/sha256:1", 100 << 20, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			s := &script{steps: []http.HandlerFunc{sized(tc.size, tc.chunked, &sent)}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			tr, _ := newTransport(t, Options{Retry: fast})
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			resp, err := tr.RoundTrip(req)
			var n int64
			if err == nil {
				n, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if tc.want == "" {
				if err != nil || n != tc.size {
					t.Fatalf("read %d bytes, %v; want all %d", n, err, tc.size)
				}
				return
			}
			var big *SizeError
			if !errors.As(err, &big) || big.Manifest {
				t.Fatalf("got %v, want a SizeError of an answer that is not a manifest", err)
			}
			want := "GET " + srv.Listener.Addr().String() + tc.path + ": " + tc.want
			if err.Error() != want || LimitCause(fmt.Errorf("listing: %w", err)) != want {
				t.Errorf("got %q, want %q", err, want)
			}
			if seen, _ := s.requests(); len(seen) != 1 {
				t.Errorf("sent %d times, want once", len(seen))
			}
		})
	}
}
