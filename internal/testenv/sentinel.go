package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelSet is a Redis master, one replica and three sentinels watching them, all on free
// loopback ports, for tests of failover. Everything is killed when the test ends.
type SentinelSet struct {
	// Master and Replica are the data servers as they started; after a failover the replica
	// is the master.
	Master, Replica *RedisServer
	// Sentinels are the sentinel processes' host:port addresses.
	Sentinels []string
	// Name is the master name the sentinels know it by.
	Name string
}

// StartSentinelSet starts a master, a replica of it and three sentinels (redis-server
// --sentinel, quorum 2, down-after 1 s) and waits until every sentinel sees the replica and
// the other sentinels. settings go to both data servers (e.g. "--appendonly", "yes").
func StartSentinelSet(t testing.TB, settings ...string) *SentinelSet {
	t.Helper()
	s := &SentinelSet{Name: "mf-master"}
	for i := 0; i+1 < len(settings); i++ {
		if settings[i] == "--requirepass" { // either server may become a replica of the other
			settings = append(append([]string{}, settings...), "--masterauth", settings[i+1])
			break
		}
	}
	// Without a delay before a diskless full sync the replica is in sync at once; with Redis's
	// default (5 s) a failover in the first seconds would promote an empty replica.
	settings = append([]string{"--repl-diskless-sync-delay", "0"}, settings...)
	s.Master = StartRedis(t, settings...)
	s.Replica = StartRedis(t, append(append([]string{}, settings...), "--replicaof", "127.0.0.1", strconv.Itoa(s.Master.Port))...)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed: run `%s`", SetupHint)
	}
	for i := range 3 {
		port := FreePort(t)
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
			port, dir, s.Name, s.Master.Port, s.Name, s.Name, s.Name)
		if s.Master.Password != "" {
			body += fmt.Sprintf("sentinel auth-pass %s %s\n", s.Name, s.Master.Password)
		}
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, conf, "--sentinel")
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting sentinel %d: %v", i, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		s.Sentinels = append(s.Sentinels, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc := redis.NewClient(&redis.Options{Addr: s.Replica.Addr(), Password: s.Replica.Password})
	defer rc.Close()
	for {
		info, _ := rc.Info(ctx, "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the replica %s did not sync with its master within 60 s", s.Replica.Addr())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, addr := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: addr})
		for {
			reps, err1 := c.Replicas(ctx, s.Name).Result()
			sens, err2 := c.Sentinels(ctx, s.Name).Result()
			if err1 == nil && err2 == nil && len(reps) == 1 && len(sens) == 2 {
				break
			}
			select {
			case <-ctx.Done():
				c.Close()
				t.Fatalf("sentinel %s did not see the replica and the other sentinels within 60 s", addr)
			case <-time.After(100 * time.Millisecond):
			}
		}
		c.Close()
	}
	return s
}

// URL is the redis-sentinel:// URL of the set (database 0), with the password when the data
// servers have one.
func (s *SentinelSet) URL() string {
	auth := ""
	if s.Master.Password != "" {
		auth = ":" + s.Master.Password + "@"
	}
	return fmt.Sprintf("redis-sentinel://%s%s/%s/0", auth, strings.Join(s.Sentinels, ","), s.Name)
}

// MasterAddr asks a sentinel which server is the master now.
func (s *SentinelSet) MasterAddr(ctx context.Context) (string, error) {
	var last error
	for _, addr := range s.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: addr})
		a, err := c.GetMasterAddrByName(ctx, s.Name).Result()
		c.Close()
		if err == nil && len(a) == 2 {
			return net.JoinHostPort(a[0], a[1]), nil
		}
		last = err
	}
	return "", fmt.Errorf("no sentinel answered: %v", last)
}
