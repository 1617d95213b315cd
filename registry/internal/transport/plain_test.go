package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// requestLog is a handler that records the requests it gets.
type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (r *requestLog) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
}

func (r *requestLog) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// An answer over HTTPS that names an http:// URL (an upload Location, on
// the registry's own host or another) does not make the transport send
// anything in plain HTTP: the request is refused before it is sent, with
// a PlainHTTPError naming the registry that named it, the URL without its
// query and the host to allow. A host named plain HTTP, and one that an
// answer received in plain HTTP named, are spoken to in plain HTTP.
func TestPlainHTTPOnlyWhenNamed(t *testing.T) {
	t.Parallel()
	plain := &requestLog{}
	plainSrv := httptest.NewServer(plain)
	defer plainSrv.Close()
	plainHost := plainSrv.Listener.Addr().String()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://"+plainHost+"/v2/app/blobs/uploads/1?_state=secret")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer tlsSrv.Close()
	tlsHost := tlsSrv.Listener.Addr().String()
	// a plain registry we named, which sends its client on to another host
	other := &requestLog{}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	named := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", otherSrv.URL+"/storage/1")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer named.Close()
	namedHost := named.Listener.Addr().String()

	tr, _ := newTransport(t, Options{Retry: fast, Insecure: []string{tlsHost}, PlainHTTP: []string{namedHost}})
	send := func(method, u string) (*http.Response, error) {
		req, _ := http.NewRequest(method, u, nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	// before any answer named it, a plain host not named is refused
	_, err := send("GET", plainSrv.URL+"/v2/")
	var pe *PlainHTTPError
	if !errors.As(err, &pe) || pe.From != "" || pe.Host != plainHost {
		t.Fatalf("GET of a host not named plain HTTP: %v", err)
	}
	if want := "refused to send GET http://" + plainHost + "/v2/ in plain HTTP: " + plainHost + " is not named to be spoken to in plain HTTP; --plain-http-registry " + plainHost + " would allow it"; err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	resp, err := send("POST", tlsSrv.URL+"/v2/app/blobs/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	loc := resp.Header.Get("Location")
	_, err = send("PUT", loc)
	if !errors.As(err, &pe) || pe.From != tlsHost || pe.Method != "PUT" || pe.URL != "http://"+plainHost+"/v2/app/blobs/uploads/1" {
		t.Fatalf("PUT to the Location an HTTPS answer named: %#v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the query: %v", err)
	}
	if got := plain.requests(); len(got) > 0 {
		t.Errorf("sent in plain HTTP: %q", got)
	}
	// the named plain host, and where its answer sends the client
	resp, err = send("POST", named.URL+"/v2/app/blobs/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := send("PUT", resp.Header.Get("Location")); err != nil {
		t.Errorf("PUT to the Location a named plain-HTTP host gave: %v", err)
	}
	if got := other.requests(); !slices.Equal(got, []string{"PUT /storage/1"}) {
		t.Errorf("the host a plain answer named got %q", got)
	}
	// https is never refused
	if _, err := send("GET", tlsSrv.URL+"/v2/"); err != nil {
		t.Error(err)
	}
}

// Named plain hosts are origins: "reg" is reg on port 80, and a port is
// its own.
func TestPlainOrigins(t *testing.T) {
	t.Parallel()
	tr := New(Options{PlainHTTP: []string{"reg.example.com", "Local:5000"}})
	for u, want := range map[string]bool{
		"http://reg.example.com/v2/":       true,
		"http://reg.example.com:80/v2/":    true,
		"http://REG.example.com/v2/":       true,
		"http://reg.example.com:8080/v2/":  false,
		"http://local:5000/v2/":            true,
		"http://local/v2/":                 false,
		"http://other.example.com/v2/":     false,
		"https://other.example.com/v2/":    true,
		"https://reg.example.com:5000/v2/": true,
	} {
		parsed, _ := url.Parse(u)
		if got := tr.plain.check(&http.Request{Method: "GET", URL: parsed}) == nil; got != want {
			t.Errorf("%s allowed: %v, want %v", u, got, want)
		}
	}
}

// The realms of the Bearer challenges in WWW-Authenticate values, however
// written; other schemes' realms are not, and a hostile value ends.
func TestBearerRealms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"`}, []string{"https://auth.docker.io/token"}},
		{[]string{`bearer service="x", realm=https://a/t`}, []string{"https://a/t"}},
		{[]string{`Basic realm="https://b/t"`}, nil},
		{[]string{`Basic realm="b", Bearer realm="https://c/t"`, `Bearer realm="https://d/t"`}, []string{"https://c/t", "https://d/t"}},
		{[]string{`Bearer realm="a \"quoted\" one"`}, []string{`a "quoted" one`}},
		{[]string{`Bearer realm="unclosed`}, []string{"unclosed"}},
		{[]string{`Bearer realm=`}, []string{""}},
		{[]string{`= , ;;; "x" Bearer`}, nil},
		{[]string{strings.Repeat(`Bearer realm="x",`, 100)}, []string{"x", "x", "x", "x", "x", "x", "x", "x"}},
	}
	for _, tc := range tests {
		if got := bearerRealms(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("bearerRealms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzBearerRealms(f *testing.F) {
	f.Add(`Bearer realm="https://auth/token",service="x"`)
	f.Add(`Basic realm=x, Bearer realm=y`)
	f.Fuzz(func(t *testing.T, v string) {
		if got := bearerRealms([]string{v}); len(got) > maxPerHeader {
			t.Errorf("%d realms from one header", len(got))
		}
	})
}

// What the transport notes of answers is bounded, however many origins
// and realms a registry names: 256 origins, 16 realms a host, whatever
// the size of the headers (a WWW-Authenticate of a megabyte, a Link of
// thousands of URIs); and a registry that names many realms does not keep
// another's from being noted.
func TestNotedIsBounded(t *testing.T) {
	t.Parallel()
	tr := New(Options{})
	req := &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Host: "reg:5000", Path: "/v2/"}}
	other := &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "other:443", Path: "/v2/"}}
	var links strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&links, "<http://h%d/next>; rel=\"next\", ", i)
	}
	for i := range 1000 {
		resp := &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{
			"Location":         {fmt.Sprintf("http://loc%d/upload", i)},
			"Link":             {links.String()},
			"Www-Authenticate": {fmt.Sprintf(`Bearer realm="http://auth%d/token",`, i) + strings.Repeat(`Bearer realm="http://x/token",`, 50_000)},
		}}
		tr.notes.note(req, resp)
	}
	tr.notes.note(other, &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{"Www-Authenticate": {`Bearer realm="https://auth.other/token"`}}})
	if len(tr.notes.handed) != maxNoted || len(tr.notes.realms) != maxRealms+1 || len(tr.notes.offered) != 0 {
		t.Errorf("noted %d origins, %d realms, %d offered; want %d, %d, 0", len(tr.notes.handed), len(tr.notes.realms), len(tr.notes.offered), maxNoted, maxRealms+1)
	}
	if !tr.notes.isRealm(&url.URL{Scheme: "https", Host: "auth.other", Path: "/token"}) {
		t.Errorf("the other registry's realm was not noted")
	}
}

// An HTTPS registry on port 443 behind a proxy that does not forward the
// scheme: its upload Location is http://<its name>/..., which is port 80
// of the same host. Nothing reaches port 80.
func TestNoPort80FromPort443(t *testing.T) {
	t.Parallel()
	port80 := &requestLog{}
	plainSrv := httptest.NewServer(port80)
	defer plainSrv.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://reg.example.com/v2/app/blobs/uploads/1?_state=s")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer tlsSrv.Close()
	tr, _ := newTransport(t, Options{Retry: fast, Insecure: []string{"reg.example.com"}, PlainHTTP: []string{}})
	d := &net.Dialer{}
	tr.hosts.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch addr {
		case "reg.example.com:443":
			addr = tlsSrv.Listener.Addr().String()
		case "reg.example.com:80":
			addr = plainSrv.Listener.Addr().String()
		}
		return d.DialContext(ctx, network, addr)
	}
	req, _ := http.NewRequest("POST", "https://reg.example.com/v2/app/blobs/uploads/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	put, _ := http.NewRequest("PUT", resp.Header.Get("Location"), strings.NewReader("blob"))
	put.SetBasicAuth("ci", "secret")
	_, err = tr.RoundTrip(put)
	var pe *PlainHTTPError
	if !errors.As(err, &pe) || pe.From != "reg.example.com" || pe.Host != "reg.example.com" {
		t.Errorf("PUT to port 80: %v", err)
	}
	if got := port80.requests(); len(got) > 0 {
		t.Errorf("port 80 was sent %q", got)
	}
}

// An http:// origin that an answer over HTTPS named stays refused when an
// answer received in plain HTTP names it too, before or after: a plain
// registry of the run cannot open an HTTPS registry's host:port to plain
// HTTP. And once what is noted of HTTPS answers is full, no plain answer
// opens an origin.
func TestPlainAnswerDoesNotOpenOffered(t *testing.T) {
	t.Parallel()
	answer := func(tr *Transport, from, header, value string) {
		u, _ := url.Parse(from)
		tr.notes.note(&http.Request{Method: "GET", URL: u}, &http.Response{StatusCode: http.StatusAccepted, Header: http.Header{header: {value}}})
	}
	allowed := func(tr *Transport, u string) bool {
		parsed, _ := url.Parse(u)
		return tr.plain.check(&http.Request{Method: "PUT", URL: parsed}) == nil
	}
	for _, plainFirst := range []bool{true, false} {
		tr := New(Options{PlainHTTP: []string{"plain.example.com:5000"}})
		steps := []func(){
			func() {
				answer(tr, "http://plain.example.com:5000/v2/", "Link", `<http://secure.example.com/v2/x>; rel="next"`)
			},
			func() {
				answer(tr, "https://secure.example.com/v2/app/blobs/uploads/", "Location", "http://secure.example.com/v2/app/blobs/uploads/1")
			},
		}
		if !plainFirst {
			steps[0], steps[1] = steps[1], steps[0]
		}
		steps[0]()
		steps[1]()
		if allowed(tr, "http://secure.example.com/v2/app/blobs/uploads/1") {
			t.Errorf("plain answer first %v: an origin an HTTPS answer named in plain HTTP is allowed", plainFirst)
		}
		answer(tr, "http://plain.example.com:5000/v2/", "Location", "http://storage.example.com/1")
		if !allowed(tr, "http://storage.example.com/1") {
			t.Errorf("plain answer first %v: the plain registry's own redirect is refused", plainFirst)
		}
	}
	tr := New(Options{PlainHTTP: []string{"plain.example.com:5000"}})
	for i := range maxNoted {
		answer(tr, "https://secure.example.com/v2/", "Location", fmt.Sprintf("http://h%d.example.com/", i))
	}
	answer(tr, "http://plain.example.com:5000/v2/", "Location", "http://storage.example.com/1")
	if allowed(tr, "http://storage.example.com/1") {
		t.Error("with the record of HTTPS answers full, a plain answer opens an origin")
	}
}

// A refusal that the bound on what is noted of answers decided says so:
// a plain registry's answers that named more origins than are noted (the
// one past them is refused), or a plain answer that does not open an
// origin because the record of HTTPS answers is full.
func TestPlainHTTPErrorSaysTheBound(t *testing.T) {
	t.Parallel()
	storage := &requestLog{}
	storageSrv := httptest.NewServer(storage)
	defer storageSrv.Close()
	// a plain registry that names 320 origins in one answer's Link
	// headers, 8 to a header, then sends the client to another
	named := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			for i := range 40 {
				var links []string
				for j := range maxPerHeader {
					links = append(links, fmt.Sprintf("<http://h%d-%d.example.com/next>", i, j))
				}
				w.Header().Add("Link", strings.Join(links, ", "))
			}
			return
		}
		w.Header().Set("Location", storageSrv.URL+"/upload/1")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer named.Close()
	tr, _ := newTransport(t, Options{Retry: fast, PlainHTTP: []string{named.Listener.Addr().String()}})
	send := func(method, u string) (*http.Response, error) {
		req, _ := http.NewRequest(method, u, nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	if _, err := send("GET", named.URL+"/v2/app/tags/list"); err != nil {
		t.Fatal(err)
	}
	resp, err := send("POST", named.URL+"/v2/app/blobs/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	_, err = send("PUT", resp.Header.Get("Location"))
	other := storageSrv.Listener.Addr().String()
	want := "refused to send PUT " + storageSrv.URL + "/upload/1 in plain HTTP: " + other + " is not named to be spoken to in plain HTTP" +
		" (answers in plain HTTP named 256 origins, the most noted: one they named past that is not); --plain-http-registry " + other + " would allow it"
	if err == nil || err.Error() != want {
		t.Errorf("past the origins noted of plain answers:\n got: %v\nwant: %s", err, want)
	}
	if got := storage.requests(); len(got) > 0 {
		t.Errorf("sent in plain HTTP: %q", got)
	}

	// the record of HTTPS answers full: a plain answer opens nothing
	answer := func(tr *Transport, from, value string) {
		u, _ := url.Parse(from)
		tr.notes.note(&http.Request{Method: "GET", URL: u}, &http.Response{StatusCode: http.StatusAccepted, Header: http.Header{"Location": {value}}})
	}
	tr2 := New(Options{PlainHTTP: []string{"plain.example.com:5000"}})
	for i := range maxNoted {
		answer(tr2, "https://secure.example.com/v2/", fmt.Sprintf("http://h%d.example.com/", i))
	}
	answer(tr2, "http://plain.example.com:5000/v2/", "http://storage.example.com/1")
	parsed, _ := url.Parse("http://storage.example.com/1")
	err = tr2.plain.check(&http.Request{Method: "PUT", URL: parsed})
	want = "refused to send PUT http://storage.example.com/1 in plain HTTP: storage.example.com is not named to be spoken to in plain HTTP," +
		" and the answer in plain HTTP of plain.example.com:5000 that named it does not open it: answers over HTTPS named 256 http:// origins," +
		" the most noted, and past that no plain answer opens one; --plain-http-registry storage.example.com would allow it"
	if err == nil || err.Error() != want {
		t.Errorf("with the record of HTTPS answers full:\n got: %v\nwant: %s", err, want)
	}
}
