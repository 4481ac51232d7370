package worker

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/tasks/asynqtask"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// TestRegistryInfoShowsQueuesInFlightStoppedAndGPU: the heartbeat's view of a running fleet
// has its queues in the configured order with their concurrency, the tasks in flight, where
// each runs, why a stopped one stopped, and the GPU as it reads now.
func TestRegistryInfoShowsQueuesInFlightStoppedAndGPU(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	dev := gpu.FakeDevice(0, "NVIDIA T", 16384)
	fake := gpu.NewFake(dev)
	g, err := gpu.NewSetup(context.Background(), gpu.SetupConfig{Queues: map[string]int64{"faces": 1024}, HeadroomMiB: 256, Log: zerolog.Nop(),
		Open: func(zerolog.Logger) (gpu.Provider, error) { return fake, nil },
		Pin:  func(gpu.DeviceInfo) (int, error) { return 0, nil }})
	require.NoError(t, err)
	t.Cleanup(g.Close)

	b.enqueueFaces(t, 2, "x.jpg")
	p := &tasks.CaptionsPayload{FrameRef: tasks.FrameRef{
		Asset: tasks.AssetRef{Key: tasks.AssetKey("", "/lib/c.jpg", 0, 0), Path: "/lib/c.jpg"}, Image: "/lib/c.jpg", ModelVersion: "v1"}}
	task, err := asynqtask.New(p, tasks.Options{Prefix: b.prefix, MaxRetry: 3})
	require.NoError(t, err)
	_, err = b.client.Enqueue(task)
	require.NoError(t, err)

	release := make(chan struct{})
	var running atomic.Int32
	faces := Adapt(func(ctx context.Context, p *tasks.FacesPayload) error {
		running.Add(1)
		<-release
		return nil
	})
	captions := Adapt(func(ctx context.Context, p *tasks.CaptionsPayload) error { return ErrQueueUnusable })
	f, err := New(testConfig(b, QueueSpec{Kind: tasks.Faces, Concurrency: 3, Handler: faces},
		QueueSpec{Kind: tasks.Captions, Concurrency: 1, Handler: captions}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, true) }()
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		cancel()
		<-done
	})

	facesQ, captionsQ := tasks.QueueName(b.prefix, tasks.Faces), tasks.QueueName(b.prefix, tasks.Captions)
	base := registry.WorkerInfo{ID: "host:1:ab", Store: "/data/mediafleet.db", Queues: []registry.QueueInfo{}}
	require.NoError(t, fake.SetFree(dev.UUID, 9000))
	var info registry.WorkerInfo
	require.Eventually(t, func() bool {
		info = f.RegistryInfo(context.Background(), base, g)
		return running.Load() == 2 && info.Queues[0].InFlight == 2 && info.Queues[1].Stopped != ""
	}, 30*time.Second, 10*time.Millisecond, "two faces tasks in flight and the captions queue stopped")
	require.Equal(t, "host:1:ab", info.ID)
	require.Equal(t, "/data/mediafleet.db", info.Store)
	require.Equal(t, []registry.QueueInfo{
		{Name: facesQ, Concurrency: 3, InFlight: 2, Device: dev.UUID},
		{Name: captionsQ, Concurrency: 1, Device: "cpu", Stopped: info.Queues[1].Stopped},
	}, info.Queues)
	require.Contains(t, info.Queues[1].Stopped, "can no longer serve the queue")
	require.NotNil(t, info.GPU)
	require.Equal(t, int64(9000), info.GPU.FreeMiB(), "the GPU as it reads now")
	require.Empty(t, base.Queues, "the base is not changed")

	cpuOnly := f.RegistryInfo(context.Background(), base, nil)
	require.Nil(t, cpuOnly.GPU)
	require.Equal(t, "cpu", cpuOnly.Queues[0].Device)

	close(release)
	require.NoError(t, <-done)
	done <- nil // for the cleanup
}
