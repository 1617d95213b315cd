package transport

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
)

// inFront is a registry in front of back that passes every request on,
// with the answers of those match picks edited by edit; answer, when
// set, answers those itself instead.
func inFront(t *testing.T, back *registry, match func(*http.Request) bool, edit func(*http.Response)) *registry {
	t.Helper()
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: back.host()})
	rp.ModifyResponse = func(resp *http.Response) error {
		if match(resp.Request) {
			edit(resp)
		}
		return nil
	}
	return newRegistry(t, false, func(w http.ResponseWriter, r *http.Request) bool {
		rp.ServeHTTP(w, r)
		return true
	})
}

func setStatus(resp *http.Response, code int) {
	resp.StatusCode, resp.Status = code, strconv.Itoa(code)+" "+http.StatusText(code)
}

func manifestPut(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/")
}

// A write answered with another 2xx than the spec's is a success once what
// the registry holds shows it; one that does not show it is an
// UnconfirmedError naming the registry and what was found.
func TestAcceptedWrites(t *testing.T) {
	t.Parallel()
	img := newImage(t, 10)
	want := img.manifest.GetDescriptor().Digest.String()
	other := digest.FromString("another manifest").String()
	tests := []struct {
		name  string
		match func(*http.Request) bool
		edit  func(*http.Response)
		found string // the UnconfirmedError's, "" for a success
	}{
		{"manifest PUT 202, no digest", manifestPut, func(resp *http.Response) {
			setStatus(resp, http.StatusAccepted)
			resp.Header.Del("Docker-Content-Digest")
		}, ""},
		{"manifest PUT 200 with its digest", manifestPut, func(resp *http.Response) { setStatus(resp, http.StatusOK) }, ""},
		{"blob PUT 200", func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
		}, func(resp *http.Response) { setStatus(resp, http.StatusOK) }, ""},
		{"manifest HEAD without digest: the GET confirms", func(r *http.Request) bool {
			return manifestPut(r) || r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
		}, func(resp *http.Response) {
			if resp.Request.Method == http.MethodPut {
				setStatus(resp, http.StatusAccepted)
			}
			resp.Header.Del("Docker-Content-Digest")
		}, ""},
		{"manifest PUT 202, the answer's digest another", manifestPut, func(resp *http.Response) {
			setStatus(resp, http.StatusAccepted)
			resp.Header.Set("Docker-Content-Digest", other)
		}, "its answer says " + other + ", not " + want + " that was sent"},
		{"manifest PUT 202, the HEAD's digest another", func(r *http.Request) bool {
			return manifestPut(r) || r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
		}, func(resp *http.Response) {
			if resp.Request.Method == http.MethodPut {
				setStatus(resp, http.StatusAccepted)
				resp.Header.Del("Docker-Content-Digest")
				return
			}
			resp.Header.Set("Docker-Content-Digest", other)
		}, "HEAD /v2/app/manifests/1 shows " + other + ", not " + want + " that was sent"},
		{"manifest HEAD lies about size", func(r *http.Request) bool {
			return manifestPut(r) || r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
		}, func(resp *http.Response) {
			if resp.Request.Method == http.MethodPut {
				setStatus(resp, http.StatusAccepted)
				resp.Header.Del("Docker-Content-Digest")
				return
			}
			resp.Header.Set("Content-Length", strconv.FormatInt(resp.ContentLength+1, 10))
		}, "HEAD /v2/app/manifests/1 says " + strconv.FormatInt(img.manifest.GetDescriptor().Size+1, 10) + " bytes, not the " + strconv.FormatInt(img.manifest.GetDescriptor().Size, 10) + " sent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			back := newRegistry(t, false, nil)
			front := inFront(t, back, tc.match, tc.edit)
			tr, _ := newTransport(t, Options{Retry: fast})
			rc := client(tr, plainHost(front.host()))
			r := mustRef(t, front.host()+"/app:1")
			ctx := context.Background()
			for _, b := range [][]byte{img.config, img.layer} {
				if _, err := rc.BlobPut(ctx, r, descOf("", b), bytes.NewReader(b)); err != nil {
					if tc.found == "" {
						t.Fatal(err)
					}
				}
			}
			err := rc.ManifestPut(ctx, r, img.manifest)
			if tc.found == "" {
				if err != nil {
					t.Fatalf("ManifestPut: %v", err)
				}
				if _, err := rc.ManifestGet(ctx, r); err != nil {
					t.Fatalf("the manifest pushed: %v", err)
				}
				return
			}
			var u *UnconfirmedError
			if !errors.As(err, &u) {
				t.Fatalf("error %v, want an UnconfirmedError", err)
			}
			head := "PUT " + front.host() + "/v2/app/manifests/1: " + front.host() + " answered 202 Accepted, but "
			if got := Cause(err, front.host(), ""); got != head+tc.found+": the registry did not store what was sent" {
				t.Errorf("Cause: %s\nwant: %s", got, head+tc.found+": …")
			}
		})
	}
}

// A manifest PUT answered 202 with nothing stored, and a mount answered 200
// for a blob that is not there, are not taken for successes.
func TestAcceptedWritesStoredNothing(t *testing.T) {
	t.Parallel()
	img := newImage(t, 10)
	r := newRegistry(t, false, nil)
	r.intercept = func(w http.ResponseWriter, req *http.Request) bool {
		switch {
		case manifestPut(req), req.Method == http.MethodPost && req.URL.Query().Get("mount") != "":
			w.WriteHeader(map[string]int{http.MethodPut: http.StatusAccepted, http.MethodPost: http.StatusOK}[req.Method])
			return true
		}
		return false
	}
	tr, _ := newTransport(t, Options{Retry: fast})
	rc := client(tr, plainHost(r.host()))
	ctx := context.Background()
	err := rc.ManifestPut(ctx, mustRef(t, r.host()+"/app:1"), img.manifest)
	want := "PUT " + r.host() + "/v2/app/manifests/1: " + r.host() + " answered 202 Accepted, but HEAD /v2/app/manifests/1 answers 404 Not Found: the registry did not store what was sent"
	if got := Cause(err, r.host(), ""); got != want {
		t.Errorf("manifest: %s\nwant: %s", got, want)
	}
	d := descOf("", img.layer)
	err = rc.BlobMount(ctx, mustRef(t, r.host()+"/src"), mustRef(t, r.host()+"/app"), d)
	var u *UnconfirmedError
	if !errors.As(err, &u) || u.Found != "answers 404 Not Found" || u.Status != "200 OK" {
		t.Errorf("mount: %v, want an UnconfirmedError", err)
	}
	// once the blob is there, the mount answered 200 is one
	if _, err := rc.BlobPut(ctx, mustRef(t, r.host()+"/app"), d, bytes.NewReader(img.layer)); err != nil {
		t.Fatal(err)
	}
	if err := rc.BlobMount(ctx, mustRef(t, r.host()+"/src"), mustRef(t, r.host()+"/app"), d); err != nil {
		t.Errorf("mount of a blob there: %v", err)
	}
}

// The HEAD that confirms a write goes with the write's credentials: a
// registry that asks for them on every request takes the 202 as well.
func TestAcceptedWritesCarryCredentials(t *testing.T) {
	t.Parallel()
	img := newImage(t, 10)
	back := newRegistry(t, false, nil)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: back.host()})
	rp.ModifyResponse = func(resp *http.Response) error {
		if manifestPut(resp.Request) {
			setStatus(resp, http.StatusAccepted)
			resp.Header.Del("Docker-Content-Digest")
		}
		return nil
	}
	var heads atomic.Int32
	front := newRegistry(t, false, func(w http.ResponseWriter, r *http.Request) bool {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/") {
			heads.Add(1)
		}
		rp.ServeHTTP(w, r)
		return true
	})
	tr, _ := newTransport(t, Options{Retry: fast})
	h := plainHost(front.host())
	h.User, h.Pass = "user", "secret"
	rc := client(tr, h)
	r := mustRef(t, front.host()+"/app:1")
	img.push(t, rc, r)
	if heads.Load() != 1 {
		// without them it would end "HEAD … answers 401 Unauthorized:
		// the write could not be confirmed"
		t.Errorf("%d manifest HEADs with credentials, want the 1 that confirms the PUT", heads.Load())
	}
}

// A confirming HEAD answered with an error other than 404 tells nothing:
// the write is said unconfirmed, not unstored.
func TestAcceptedWritesUnsure(t *testing.T) {
	t.Parallel()
	img := newImage(t, 10)
	r := newRegistry(t, false, nil)
	r.intercept = func(w http.ResponseWriter, req *http.Request) bool {
		switch {
		case manifestPut(req):
			w.WriteHeader(http.StatusAccepted)
		case req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/"):
			w.WriteHeader(http.StatusForbidden)
		default:
			return false
		}
		return true
	}
	tr, _ := newTransport(t, Options{Retry: fast})
	err := client(tr, plainHost(r.host())).ManifestPut(context.Background(), mustRef(t, r.host()+"/app:1"), img.manifest)
	want := "PUT " + r.host() + "/v2/app/manifests/1: " + r.host() + " answered 202 Accepted, but HEAD /v2/app/manifests/1 answers 403 Forbidden: the write could not be confirmed"
	if got := Cause(err, r.host(), ""); got != want {
		t.Errorf("%s\nwant: %s", got, want)
	}
}
