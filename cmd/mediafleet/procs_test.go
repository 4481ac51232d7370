package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// proc is a mediafleet process a test runs in the background; its stderr (the log) is kept.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
	out  bytes.Buffer // stdout, read once the process has exited
	cond *sync.Cond
	done chan struct{}
	err  error
}

// startProc runs mediafleet with args in e's environment plus extra. It is killed at cleanup
// unless it has exited by then.
func startProc(t *testing.T, e *bed, extra []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.cmd.Env = append(append(e.environ(), e.extra...), extra...)
	p.cmd.Stdout = &p.out
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.log.Write(sc.Bytes())
			p.log.WriteByte('\n')
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		err := p.cmd.Wait()
		p.mu.Lock()
		p.err = err
		close(p.done)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Log is what the process wrote to stderr so far.
func (p *proc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// waitLog waits until the log holds substr (true) or the process exits or limit passes (false).
func (p *proc) waitLog(substr string, limit time.Duration) bool {
	timer := time.AfterFunc(limit, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(limit)
	p.mu.Lock()
	defer p.mu.Unlock()
	for !strings.Contains(p.log.String(), substr) {
		select {
		case <-p.done:
			return false
		default:
		}
		if time.Now().After(deadline) {
			return false
		}
		p.cond.Wait()
	}
	return true
}

// stop sends SIGTERM and waits up to limit for the process to exit; it returns the exit error.
func (p *proc) stop(t *testing.T, limit time.Duration) error {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(t, limit)
}

// wait waits up to limit for the process to exit by itself and returns its exit error.
func (p *proc) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("mediafleet %v did not exit within %s; its log:\n%s", p.cmd.Args[1:], limit, p.Log())
		return nil
	}
}
