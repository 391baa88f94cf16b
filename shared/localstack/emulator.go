package localstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Process is a child process started in its own process group, so that
// stopping it also stops what it started (gcloud starts a JVM).
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
}

func start(name string, cmd *exec.Cmd, log io.Writer) (*Process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Stop ends the process group: SIGTERM, then SIGKILL after a grace time.
func (p *Process) Stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL) // stragglers of the group
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// StartFirestore starts the Firestore emulator on addr ("127.0.0.1:8086")
// and waits until it answers.
func StartFirestore(ctx context.Context, addr string, log io.Writer) (*Process, error) {
	cmd := exec.Command("gcloud", "emulators", "firestore", "start", "--host-port="+addr, "--quiet")
	p, err := start("firestore emulator", cmd, log)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, p, addr, 90*time.Second); err != nil {
		p.Stop()
		return nil, fmt.Errorf("firestore emulator on %s: %w", addr, err)
	}
	return p, nil
}

// FreeAddr returns a loopback address that nothing listens on, for a
// process to listen on. Its port is below Linux's ephemeral range
// (32768-60999), where the kernel picks the local ports of outgoing
// connections and of listeners on port 0: a port from there, free when
// picked, could be taken by a connection before the process bound it
// ("… exited" at stack start under the parallel tests). Ports handed out
// are not handed out again by this process.
func FreeAddr() (string, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue // in use
		}
		l.Close()
		portsGiven[port] = true
		return l.Addr().String(), nil
	}
	return "", errors.New("no free port between 20000 and 32000")
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// waitTCP waits until addr accepts connections or p exits.
func waitTCP(ctx context.Context, p *Process, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return fmt.Errorf("%s exited", p.Name)
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not listen on %s within %s", p.Name, addr, limit)
}

// waitHTTP waits until the server at addr answers an HTTP request.
func waitHTTP(ctx context.Context, p *Process, addr string, limit time.Duration) error {
	if err := waitTCP(ctx, p, addr, limit); err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", addr)
	_ = c.SetReadDeadline(time.Now().Add(limit))
	_, err = bufio.NewReader(c).ReadString('\n')
	return err
}
