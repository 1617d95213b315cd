package transport

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// recorder is a server that answers "blob" and records the Authorization
// and Cookie headers it was sent.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.Header.Get("Authorization")+"|"+r.Header.Get("Cookie"))
		rec.mu.Unlock()
		w.Write([]byte("blob"))
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) headers() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

// A registry that redirects to another origin (another port of the same
// host, as blob storage may be) does not get the credentials sent there:
// net/http would copy Authorization and Cookie, since the host names
// match. A redirect within the origin keeps them, and so does a chain
// that comes back to it.
func TestRedirectKeepsCredentialsHome(t *testing.T) {
	t.Parallel()
	storage := newRecorder(t)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/app/blobs/away":
			http.Redirect(w, r, storage.URL+"/bucket/sha256:1?X-Amz-Signature=s", http.StatusTemporaryRedirect)
		case "/v2/app/blobs/here":
			http.Redirect(w, r, "/v2/app/blobs/moved", http.StatusTemporaryRedirect)
		case "/v2/app/blobs/moved":
			w.Write([]byte(r.Header.Get("Authorization") + "|" + r.Header.Get("Cookie")))
		}
	}))
	defer reg.Close()
	tr, _ := newTransport(t, Options{Retry: fast})
	client := &http.Client{Transport: tr}
	get := func(u string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Basic c2VjcmV0")
		req.Header.Set("Cookie", "session=secret")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		return string(b[:n])
	}
	if got := get(reg.URL + "/v2/app/blobs/away"); got != "blob" {
		t.Errorf("the redirect to storage answered %q, want the blob", got)
	}
	if got := storage.headers(); len(got) != 1 || got[0] != "|" {
		t.Errorf("storage on another port was sent %q, want no Authorization and no Cookie", got)
	}
	if got := get(reg.URL + "/v2/app/blobs/here"); got != "Basic c2VjcmV0|session=secret" {
		t.Errorf("a redirect within the registry was sent %q, want its credentials", got)
	}
	// home -> elsewhere -> home: the last hop is the first's origin again
	var (
		mu        sync.Mutex
		atHome    []string
		homeURL   string
		elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, homeURL+"/v2/app/blobs/back", http.StatusTemporaryRedirect)
		}))
	)
	defer elsewhere.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		atHome = append(atHome, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Path == "/v2/app/blobs/start" {
			http.Redirect(w, r, elsewhere.URL+"/elsewhere", http.StatusTemporaryRedirect)
		}
	}))
	defer home.Close()
	homeURL = home.URL
	get(home.URL + "/v2/app/blobs/start")
	mu.Lock()
	defer mu.Unlock()
	if len(atHome) != 2 || atHome[1] != "/v2/app/blobs/back Basic c2VjcmV0" {
		t.Errorf("home was sent %q, want its credentials again after the chain came back", atHome)
	}
}

// The request of a redirect is sent without foreign credentials from a
// copy: the caller's request keeps its headers.
func TestRedirectDoesNotChangeTheRequest(t *testing.T) {
	t.Parallel()
	storage := newRecorder(t)
	tr, _ := newTransport(t, Options{Retry: fast})
	first, _ := http.NewRequest("GET", "http://127.0.0.1:1/v2/app/blobs/sha256:1", nil)
	hop, _ := http.NewRequest("GET", storage.URL+"/bucket/1", nil)
	hop.Header.Set("Authorization", "Bearer tok")
	hop.Response = &http.Response{StatusCode: http.StatusTemporaryRedirect, Request: first}
	resp, err := tr.RoundTrip(hop)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := storage.headers(); len(got) != 1 || got[0] != "|" {
		t.Errorf("storage was sent %q, want no Authorization", got)
	}
	if hop.Header.Get("Authorization") != "Bearer tok" {
		t.Error("the caller's request lost its Authorization header")
	}
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"https://reg.example.com/v2/", "https://reg.example.com:443/v2/x"},
		{"http://reg.example.com/v2/", "http://reg.example.com:80/v2/"},
		{"https://REG.example.com/v2/", "https://reg.example.com/v2/"},
		{"http://127.0.0.1:5000/a", "http://127.0.0.1:5000/b"},
		{"https://[::1]:443/a", "https://[::1]/b"},
	}
	differ := [][2]string{
		{"http://127.0.0.1:5000/a", "http://127.0.0.1:5001/a"},    // another port
		{"https://reg.example.com/a", "http://reg.example.com/a"}, // another scheme
		{"http://reg.example.com/a", "http://reg.example.com:443/a"},
		{"https://reg.example.com/a", "https://s3.example.com/a"}, // another host
	}
	for _, p := range same {
		a, _ := url.Parse(p[0])
		b, _ := url.Parse(p[1])
		if origin(a) != origin(b) {
			t.Errorf("%s and %s: origins %q and %q, want the same", p[0], p[1], origin(a), origin(b))
		}
	}
	for _, p := range differ {
		a, _ := url.Parse(p[0])
		b, _ := url.Parse(p[1])
		if origin(a) == origin(b) {
			t.Errorf("%s and %s: both origin %q, want different", p[0], p[1], origin(a))
		}
	}
}
