package testenv

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server process a test started for itself, on a free loopback port,
// for tests that fill, kill or restart Redis. It is killed when the test ends.
type RedisServer struct {
	Port int
	Dir  string
	// Password is the value of --requirepass among the settings, if any.
	Password string

	bin  string
	args []string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// URL is the server's redis:// URL (database 0), with its password when it has one.
func (s *RedisServer) URL() string {
	if s.Password != "" {
		return fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", s.Password, s.Port)
	}
	return fmt.Sprintf("redis://127.0.0.1:%d/0", s.Port)
}

// Addr is the server's host:port.
func (s *RedisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// StartRedis starts redis-server on a free port with no persistence, then the given settings
// (e.g. "--maxmemory", "2mb"; later settings win), and waits until it answers. The test fails
// when redis-server is missing or does not come up.
func StartRedis(t testing.TB, settings ...string) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed: run `%s`", SetupHint)
	}
	s := &RedisServer{Port: FreePort(t), Dir: t.TempDir(), bin: bin}
	for i := 0; i+1 < len(settings); i++ {
		if settings[i] == "--requirepass" {
			s.Password = settings[i+1]
		}
	}
	s.args = append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--save", "", "--appendonly", "no"}, settings...)
	t.Cleanup(s.Kill)
	s.start(t)
	return s
}

func (s *RedisServer) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(s.bin, s.args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: s.Password})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for c.Ping(ctx).Err() != nil {
		select {
		case <-ctx.Done():
			t.Fatalf("redis-server on port %d did not answer within 20 s", s.Port)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Kill stops the server with SIGKILL, as a crash or power loss would, and waits for it to exit.
// Killing a stopped server does nothing.
func (s *RedisServer) Kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Restart starts the server again on the same port and folder with the same settings (with
// appendonly on, it reloads what it had written) and waits until it answers.
func (s *RedisServer) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	s.start(t)
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
