package localstack

import (
	"net"
	"strconv"
	"testing"
)

// FreeAddr hands out distinct loopback ports below the kernel's ephemeral
// range, each free to listen on.
func TestFreeAddr(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		addr, err := FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		if host != "127.0.0.1" || n < 20000 || n >= 32000 || seen[addr] {
			t.Fatalf("FreeAddr: got %s (seen before: %v), want a new 127.0.0.1 port in [20000, 32000)", addr, seen[addr])
		}
		seen[addr] = true
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("listen on %s: %v", addr, err)
		}
		l.Close()
	}
}
