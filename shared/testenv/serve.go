package testenv

import (
	"net"
	"net/http"
	"testing"
)

// ServeOn serves h on host (a loopback address such as 127.0.0.2, or
// "localhost": another site than a server on 127.0.0.1) until the test
// ends, and returns its base URL.
func ServeOn(t testing.TB, host string, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}
