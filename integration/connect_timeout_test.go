//go:build linux

package integration

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// fullBacklog is the host:port of a socket on 127.0.0.1 that listens but
// never accepts, its backlog of one connection taken: Linux drops the SYN
// of any other, so that a connection to it cannot be made, as to a
// registry behind a firewall that drops packets.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	taken, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() })
	if c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond); err == nil {
		c.Close()
		t.Skip("the kernel took a connection past the backlog: no connection can be made to hang here")
	}
	return addr
}

// A registry that cannot be connected to within the connect timeout (10
// s) is said as such, naming it, and not as --timeout, which the run was
// not given: net says its timeout to connect is a context deadline.
func TestConnectTimeoutIsNoDeadline(t *testing.T) {
	t.Parallel()
	host := fullBacklog(t)
	start := time.Now()
	res := mt(t, "--plain-http", "inspect", host+"/app:1")
	t.Logf("measured: a registry that takes no connection, inspect: exit %d after %s", res.code, time.Since(start).Round(10*time.Millisecond))
	res.fails(t, 1, "error: reading "+host+"/app:1: cannot connect to "+host+" (timed out; is the address right, and the registry reachable from here?)")
	if spent := time.Since(start); spent > time.Minute { // a bound on ending at all, not a speed
		t.Errorf("ended after %s, well past the connect timeout", spent)
	}
}
