package registry

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/mediafleet/mediafleet/gpu"
)

// WorkerInfo is what one worker publishes about itself on every heartbeat.
type WorkerInfo struct {
	// ID is unique per worker process: "host:pid:random" (see NewWorkerID).
	ID string `json:"id"`
	// Host is the machine's host name.
	Host string `json:"host"`
	// PID is the worker's process id on Host.
	PID int `json:"pid"`
	// Version is the mediafleet version the worker runs.
	Version string `json:"version"`
	// StartedAt is when the worker started.
	StartedAt time.Time `json:"started_at"`
	// Queues are the queues the worker serves.
	Queues []QueueInfo `json:"queues"`
	// GPU is the pinned GPU with its latest telemetry, or nil for a CPU-only worker.
	GPU *gpu.DeviceInfo `json:"gpu"`
	// Store is where the worker writes results (a SQLite path or a PostgreSQL URL, password
	// hidden), so a worker pointed at the wrong store stands out.
	Store string `json:"store,omitempty"`
	// LastSeen is the time of the latest heartbeat on the Redis clock, set by Publish.
	LastSeen time.Time `json:"last_seen"`
}

// QueueInfo describes one queue a worker serves.
type QueueInfo struct {
	// Name is the queue name, prefix included.
	Name string `json:"name"`
	// Concurrency is how many of its tasks the worker runs at once.
	Concurrency int `json:"concurrency"`
	// InFlight is how many are running now.
	InFlight int `json:"in_flight"`
	// Device is where its tasks run: "cpu" or the GPU's UUID.
	Device string `json:"device"`
	// Stopped, when set, is why the worker no longer serves this queue (for instance its
	// inference session could not be rebuilt); the queue's tasks go to the rest of the fleet.
	Stopped string `json:"stopped,omitempty"`
}

// NewWorkerID returns "host:pid:random", unique even when a pid is reused on the same host.
func NewWorkerID(host string, pid int) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return fmt.Sprintf("%s:%d:%s", host, pid, hex.EncodeToString(b))
}

// NewWorkerInfo fills the identity of this process: ID, Host, PID, Version and StartedAt (now).
// The caller adds Queues and GPU.
func NewWorkerInfo(version string) WorkerInfo {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	pid := os.Getpid()
	return WorkerInfo{
		ID: NewWorkerID(host, pid), Host: host, PID: pid, Version: version,
		StartedAt: time.Now().UTC(), Queues: []QueueInfo{},
	}
}
