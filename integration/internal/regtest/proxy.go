package regtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// Hook sees each request before the registry does; when it returns true it
// has answered the request itself and the registry never sees it.
type Hook func(w http.ResponseWriter, r *http.Request) bool

// Proxy starts a plain-HTTP reverse proxy on 127.0.0.1 in front of a
// plain-HTTP registry, calling hook first on every request, so that a test
// can make the registry behave like another one (refuse mounts, rewrite
// bytes...). It returns the proxy's host:port and stops with the test.
func Proxy(t TB, target *Registry, hook Hook) string {
	t.Helper()
	u, _ := url.Parse(target.URL())
	rp := httputil.NewSingleHostReverseProxy(u)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hook != nil && hook(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}
