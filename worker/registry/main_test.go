package registry

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// childEnv, when set to "redisURL prefix id", makes the test binary a worker that heartbeats
// until it is killed: the "killed worker" test starts one and sends it SIGKILL.
const childEnv = "MEDIAFLEET_REGISTRY_TEST_CHILD"

// Heartbeat timing of the child worker.
const (
	childInterval = 200 * time.Millisecond
	childTTL      = 2 * time.Second
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

func runChild(spec string) int {
	parts := strings.Fields(spec)
	if len(parts) != 3 {
		fmt.Fprintf(os.Stderr, "%s=%q: want \"redisURL prefix id\"\n", childEnv, spec)
		return 2
	}
	opt, err := redis.ParseURL(parts[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	// A child left behind by a dead parent stops by itself.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg := New(rdb, parts[1], zerolog.New(os.Stderr))
	info := NewWorkerInfo("test")
	info.ID = parts[2]
	info.Queues = []QueueInfo{{Name: "faces", Concurrency: 2, Device: "cpu"}}
	fmt.Println("heartbeating")
	if err := reg.Run(ctx, childInterval, childTTL, func() WorkerInfo { return info }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
