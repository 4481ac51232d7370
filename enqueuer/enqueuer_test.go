package enqueuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/configs"
	"github.com/mediafleet/mediafleet/inference"
	"github.com/mediafleet/mediafleet/tasks"
)

// sliceSource streams assets held in memory.
type sliceSource []catalog.Asset

func (s sliceSource) Name() string { return "test" }
func (s sliceSource) Scan(ctx context.Context, yield func(catalog.Asset) error) (catalog.ScanStats, error) {
	st := catalog.ScanStats{}
	for _, a := range s {
		st.Seen++
		if err := yield(a); err != nil {
			return st, err
		}
	}
	st.Skip("hidden file")
	return st, nil
}

// doneSet answers Done from a set of "kind/version/key" strings.
type doneSet map[string]bool

func (d doneSet) Done(_ context.Context, kind, version string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		if d[kind+"/"+version+"/"+k] {
			out[k] = true
		}
	}
	return out, nil
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func library(nImages, nVideos int) sliceSource {
	var s sliceSource
	for i := range nImages {
		s = append(s, catalog.Asset{Path: fmt.Sprintf("/lib/p%05d.jpg", i), Media: catalog.Image, SHA256: sha(fmt.Sprint("p", i))})
	}
	for i := range nVideos {
		s = append(s, catalog.Asset{Path: fmt.Sprintf("/lib/v%05d.mp4", i), Media: catalog.Video, SHA256: sha(fmt.Sprint("v", i))})
	}
	return s
}

func (f *bed) options(kinds ...tasks.Kind) Options {
	o := Options{Kinds: kinds, Versions: map[tasks.Kind]string{tasks.Keyframes: "kf1", tasks.Faces: "fr1"},
		Unavailable: map[tasks.Kind]string{tasks.Captions: "no caption backend configured"},
		Task:        map[tasks.Kind]tasks.Options{}, Log: zerolog.Nop()}
	for _, k := range tasks.AllKinds() {
		o.Task[k] = tasks.Options{Prefix: f.prefix}
	}
	return o
}

func (f *bed) size(t *testing.T, k tasks.Kind) int {
	name := tasks.QueueName(f.prefix, k)
	queues, err := f.insp.Queues()
	require.NoError(t, err)
	for _, q := range queues {
		if q == name {
			info, err := f.insp.GetQueueInfo(name)
			require.NoError(t, err)
			return info.Size
		}
	}
	return 0
}

// TestReenqueueAddsNothing: a second run over the same catalog finds every task already queued.
func TestReenqueueAddsNothing(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	lib := library(300, 40)
	e, err := New(f.batch, doneSet{}, f.options())
	require.NoError(t, err)
	s1, err := e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Equal(t, 340, s1.Assets)
	require.Equal(t, 340, s1.Enqueued)
	require.Equal(t, map[string]int{"faces": 300, "keyframes": 40}, s1.Planned)
	require.Equal(t, 300+1, s1.Skipped, "captions of 300 photos without a backend, plus the source's own skip")
	require.Equal(t, 300, s1.SkippedReasons["captions: no caption backend configured"])
	require.Equal(t, 300, f.size(t, tasks.Faces))
	require.Equal(t, 40, f.size(t, tasks.Keyframes))

	s2, err := e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Zero(t, s2.Enqueued)
	require.Equal(t, 340, s2.AlreadyQueued)
	require.Zero(t, s2.Failed)
	require.Equal(t, 300, f.size(t, tasks.Faces))
}

// TestArchivedTasksCountAsFailed: a run that meets tasks an earlier run archived counts them
// as failed, by kind, and says how to run them again; the others stay already queued.
func TestArchivedTasksCountAsFailed(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	lib := library(20, 4)
	e, err := New(f.batch, doneSet{}, f.options())
	require.NoError(t, err)
	_, err = e.Run(context.Background(), lib)
	require.NoError(t, err)
	for _, k := range []tasks.Kind{tasks.Faces, tasks.Faces, tasks.Faces, tasks.Keyframes} {
		q := tasks.QueueName(f.prefix, k)
		pending, err := f.insp.ListPendingTasks(q)
		require.NoError(t, err)
		require.NoError(t, f.insp.ArchiveTask(q, pending[0].ID))
	}
	s, err := e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Zero(t, s.Enqueued)
	require.Equal(t, 4, s.Failed)
	require.Equal(t, map[string]int{"faces": 3, "keyframes": 1}, s.FailedKinds)
	require.Equal(t, 20, s.AlreadyQueued)
	require.Contains(t, s.Line(), "4 failed before and archived (faces: 3; keyframes: 1; `mediafleet queues retry-archived KIND` runs them again)")
}

// TestSkipsDoneUnlessAll: results already in the store are not planned again, unless --all.
func TestSkipsDoneUnlessAll(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	lib := library(10, 2)
	done := doneSet{}
	for _, a := range lib[:4] {
		done["faces/fr1/"+a.Key()] = true
	}
	done["faces/OLD/"+lib[5].Key()] = true // another model version does not count
	e, err := New(f.batch, done, f.options(tasks.Faces))
	require.NoError(t, err)
	s, err := e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Equal(t, 4, s.AlreadyDone)
	require.Equal(t, 6, s.Enqueued)
	require.Zero(t, f.size(t, tasks.Keyframes), "--kinds faces plans no keyframes")

	o := f.options(tasks.Faces)
	o.All = true
	e, err = New(f.batch, done, o)
	require.NoError(t, err)
	s, err = e.Run(context.Background(), lib)
	require.NoError(t, err)
	require.Zero(t, s.AlreadyDone)
	require.Equal(t, 4, s.Enqueued)
	require.Equal(t, 6, s.AlreadyQueued)
}

// TestDryRunWritesNothing: a dry run counts the plan and leaves Redis untouched.
func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	o := f.options()
	o.DryRun = true
	e, err := New(f.batch, doneSet{}, o)
	require.NoError(t, err)
	s, err := e.Run(context.Background(), library(20, 3))
	require.NoError(t, err)
	require.True(t, s.DryRun)
	require.Equal(t, 23, s.Enqueued)
	queues, err := f.insp.Queues()
	require.NoError(t, err)
	require.NotContains(t, queues, tasks.QueueName(f.prefix, tasks.Faces))
}

// TestChangedDetectionSettingReplansFaces: with the faces version that the configuration
// gives (inference.Versions), a changed detection setting plans every photo's faces again,
// and an unchanged configuration, or a change that only affects speed, plans nothing.
func TestChangedDetectionSettingReplansFaces(t *testing.T) {
	t.Parallel()
	f := newBed(t)
	lib := library(12, 0)
	cfg, err := configs.Load("", func(string) string { return "" })
	require.NoError(t, err)
	versions := func() map[tasks.Kind]string {
		v, _ := inference.Versions(cfg)
		return v
	}
	done := doneSet{}
	for _, a := range lib {
		done["faces/"+versions()[tasks.Faces]+"/"+a.Key()] = true // what the workers stored
	}
	run := func() Summary {
		o := f.options(tasks.Faces)
		o.Versions = versions()
		e, err := New(f.batch, done, o)
		require.NoError(t, err)
		s, err := e.Run(context.Background(), lib)
		require.NoError(t, err)
		return s
	}
	s := run()
	require.Equal(t, 12, s.AlreadyDone)
	require.Zero(t, s.Enqueued, "unchanged settings plan nothing")

	cfg.Faces.Threads, cfg.Faces.BatchMax = 2, 16
	require.Zero(t, run().Enqueued, "threads and batching change no result")

	cfg.Faces.Check.MinBoxAgreement = 0.6
	s = run()
	require.Zero(t, s.AlreadyDone)
	require.Equal(t, 12, s.Enqueued, "a changed check redoes every photo's faces")
}
