package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/redisconn"
	"github.com/mediafleet/mediafleet/tasks"
)

type enqueueSummary struct {
	Assets         int            `json:"assets"`
	Enqueued       int            `json:"enqueued"`
	AlreadyQueued  int            `json:"already_queued"`
	Failed         int            `json:"failed"`
	FailedKinds    map[string]int `json:"failed_kinds"`
	AlreadyDone    int            `json:"already_done"`
	Skipped        int            `json:"skipped"`
	SkippedReasons map[string]int `json:"skipped_reasons"`
	Errors         int            `json:"errors"`
}

type showDoc struct {
	Path      string `json:"path"`
	Keyframes []struct {
		Index     int     `json:"index"`
		Timestamp float64 `json:"timestamp_sec"`
		Path      string  `json:"path"`
	} `json:"keyframes"`
	Faces []struct {
		Frame int `json:"frame"`
		Dim   int `json:"dim"`
	} `json:"faces"`
	Captions []any `json:"captions"`
}

// TestLibraryEndToEnd drains a small library as a user would: enqueue, a worker with
// --until-empty, show; a corrupt video is archived with ffmpeg's reason while the rest completes,
// and a second enqueue adds nothing.
func TestLibraryEndToEnd(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	mega := e.addSample("Megamind.avi", "Megamind.avi")
	vtest := e.addSample("vtest.avi", "sub/vtest.avi")
	messi := e.addSample("messi5.jpg", "messi5.jpg")
	corrupt := filepath.Join(e.lib, "broken.mp4")
	require.NoError(t, os.WriteFile(corrupt, []byte(strings.Repeat("this is not a video\n", 200)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(e.lib, ".hidden.jpg"), []byte("x"), 0o644))

	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "dir:"+e.lib)
	require.Equal(t, 4, s.Assets)
	require.Equal(t, 4, s.Enqueued, "3 videos -> keyframes, 1 photo -> faces")
	require.Equal(t, 1, s.SkippedReasons["captions: no caption backend configured (set captions.backend or MEDIAFLEET_CAPTION_BACKEND)"])

	e.must("worker", "--until-empty", "--queues", "keyframes=2,faces=2")

	for _, v := range []string{mega, vtest} {
		var d showDoc
		e.json(&d, "show", v)
		require.Equal(t, v, d.Path)
		require.GreaterOrEqual(t, len(d.Keyframes), 3, v)
		for i, k := range d.Keyframes {
			require.FileExists(t, k.Path)
			if i > 0 {
				require.Greater(t, k.Timestamp, d.Keyframes[i-1].Timestamp)
			}
		}
	}
	var m showDoc
	e.json(&m, "show", messi)
	require.NotEmpty(t, m.Faces)
	require.Equal(t, 512, m.Faces[0].Dim)

	opt, err := redisconn.ParseRedisURL(e.redis)
	require.NoError(t, err)
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	archived, err := insp.ListArchivedTasks(tasks.QueueName(e.prefix, tasks.Keyframes))
	require.NoError(t, err)
	require.Len(t, archived, 1)
	require.Contains(t, archived[0].LastErr, corrupt)
	require.Contains(t, archived[0].LastErr, "Invalid data", "ffmpeg's own words are in the reason")

	var again enqueueSummary
	e.json(&again, "enqueue", "--catalog", "dir:"+e.lib)
	require.Zero(t, again.Enqueued)
	require.Equal(t, 3, again.AlreadyDone)
	require.Zero(t, again.AlreadyQueued)
	require.Equal(t, 1, again.Failed, "the archived corrupt video keeps its task id and counts as failed")

	var st struct {
		Queues []struct {
			Queue     string `json:"queue"`
			Processed int    `json:"processed"`
			Archived  int    `json:"archived"`
			Pending   int    `json:"pending"`
		} `json:"queues"`
	}
	e.json(&st, "status")
	byName := map[string]int{}
	for _, q := range st.Queues {
		byName[q.Queue] = q.Processed
		require.Zero(t, q.Pending, q.Queue)
	}
	require.Equal(t, 3, byName[tasks.QueueName(e.prefix, tasks.Keyframes)])
}

// TestConfigErrorsSayWhatToFix: bad configuration stops the command with a sentence.
func TestConfigErrorsSayWhatToFix(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"worker", "--queues", "thumbnails=2"}, nil, `unknown queue "thumbnails"`},
		{[]string{"worker", "--queues", "faces=0"}, nil, "must be a whole number above 0"},
		{[]string{"status"}, []string{"MEDIAFLEET_PATH_MAP=E:/"}, "FROM=TO"},
		{[]string{"status"}, []string{"MEDIAFLEET_REDIS_URL=redis://127.0.0.1:1/0"}, "does not answer"},
		{[]string{"status"}, []string{"MEDIAFLEET_REDIS_URL=http://x"}, "not a Redis URL"},
		{[]string{"enqueue"}, nil, "--catalog is required"},
		{[]string{"enqueue", "--catalog", "ftp:/x"}, nil, "ftp"},
	}
	for _, c := range cases {
		e.extra = c.env
		_, errOut, err := e.run(c.args...)
		require.Error(t, err, c.args)
		require.Contains(t, errOut, c.want, c.args)
	}
	e.extra = nil
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("queues:\n  faces: {concurency: 2}\n"), 0o644))
	_, errOut, err := e.run("--config", cfg, "status")
	require.Error(t, err)
	require.Contains(t, errOut, "concurency")
}

func TestEnqueueDryRunJSON(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	e.addSample("astronaut.png", "a.png")
	out := e.must("enqueue", "--catalog", "dir:"+e.lib, "--dry-run", "--json")
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	for _, k := range []string{"assets", "enqueued", "already_queued", "already_done", "skipped", "errors"} {
		require.Contains(t, doc, k)
	}
	require.Equal(t, true, doc["dry_run"])
	require.EqualValues(t, 1, doc["enqueued"])
}
