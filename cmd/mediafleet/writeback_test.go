package main

import (
	"database/sql"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/writeback"
	"github.com/mediafleet/mediafleet/writeback/vlmphtest"
)

// catalogBed is a vlmPhotoHouse catalog whose assets live on a Windows drive E: that this
// machine reaches under drive/.
type catalogBed struct {
	e       *bed
	path    string
	db      *sql.DB
	drive   string
	derived string // local
	ids     map[string]int64
}

func newCatalogBed(t *testing.T, e *bed) *catalogBed {
	path, db := vlmphtest.New(t)
	b := &catalogBed{e: e, path: path, db: db, drive: filepath.Join(e.lib, "e"), ids: map[string]int64{}}
	b.derived = filepath.Join(b.drive, "VLM_DATA", "derived")
	e.extra = append(e.extra, "MEDIAFLEET_PATH_MAP=E:/="+b.drive+"/")
	return b
}

// add copies a sample to the drive at rel and records it as the catalog does, under the
// Windows path it writes (mixed separators); status is 'active' or 'suppressed'.
func (b *catalogBed) add(name, sample, rel, mime, status string) int64 {
	t := b.e.t
	dst := filepath.Join(b.drive, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, copyIfMissing(testenv.Sample(t, sample), dst))
	win := "E:/" + strings.Replace(rel, "/", `\`, 1)
	id := vlmphtest.Exec(t, b.db, `INSERT INTO assets (path, hash_sha256, mime, status, caption_processed, caption_variant_count)
		VALUES (?, ?, ?, ?, 0, 0)`, win, vlmphtest.SHA256(t, dst), mime, status)
	b.ids[name] = id
	return id
}

// TestWritebackIntoCatalog drains a vlmPhotoHouse catalog (Windows paths, a suppressed asset,
// a caption a person edited, a face a person labelled) through the fleet, writes the results
// back, and checks rows and files as that app reads them; a second write-back changes nothing.
func TestWritebackIntoCatalog(t *testing.T) {
	t.Parallel()
	e := newBed(t)
	fake := &fakeVLM{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	b := newCatalogBed(t, e)
	cfg := filepath.Join(t.TempDir(), "persons.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("persons:\n  min_faces: 1\n"), 0o644))
	e.extra = append(e.extra, "MEDIAFLEET_CONFIG="+cfg, "MEDIAFLEET_CAPTION_BACKEND=openai", "MEDIAFLEET_CAPTION_URL="+srv.URL,
		"MEDIAFLEET_CAPTION_MODEL=qwen2-vl-test")

	messi := b.add("messi", "messi5.jpg", "01_INCOMING/Jane/messi.jpg", "image/jpeg", "active")
	astro := b.add("astro", "astronaut.png", "01_INCOMING/Jane/astro.png", "image/png", "active")
	video := b.add("video", "Megamind.avi", "Videos/mega.avi", "video/x-msvideo", "active")
	hidden := b.add("hidden", "messi5.jpg", "01_INCOMING/Hidden/messi-copy.jpg", "image/jpeg", "suppressed")

	// What the app itself holds already: a person named Dad with a face a person labelled
	// (away from Messi's face), a caption a person edited and an older machine caption.
	dad := vlmphtest.Exec(t, b.db, `INSERT INTO persons (display_name, face_count, created_at) VALUES ('Dad', 1, '2024-01-01 00:00:00')`)
	manual := vlmphtest.Exec(t, b.db, `INSERT INTO face_detections (asset_id, bbox_x, bbox_y, bbox_w, bbox_h, person_id, label_source, label_score)
		VALUES (?, 2, 3, 40, 40, ?, 'manual', 1.0)`, messi, dad)
	edited := vlmphtest.Exec(t, b.db, `INSERT INTO captions (asset_id, text, model, user_edited, superseded) VALUES (?, 'Eileen on the shuttle, 1999', 'blip', 1, 0)`, astro)
	older := vlmphtest.Exec(t, b.db, `INSERT INTO captions (asset_id, text, model, user_edited, superseded) VALUES (?, 'a woman', 'blip', 0, 0)`, astro)

	var s enqueueSummary
	e.json(&s, "enqueue", "--catalog", "vlmph:"+b.path)
	require.Equal(t, 3, s.Assets, "the suppressed asset is not planned")
	e.must("worker", "--until-empty", "--queues", "keyframes=1,faces=2,captions=2,persons=1")

	// Name the person of Messi's face in mediafleet: the catalog's new person takes the name.
	var list []struct {
		ID     int64  `json:"id"`
		Sample string `json:"sample"`
	}
	e.json(&list, "persons", "list")
	require.NotEmpty(t, list, "persons formed through the fleet")
	for _, p := range list {
		if strings.HasSuffix(p.Sample, "messi.jpg") {
			e.must("persons", "name", jsonNum(p.ID), "Lionel")
		}
	}

	before := vlmphtest.Dump(t, b.db)
	var dry writeback.Summary
	e.json(&dry, "writeback", "vlmph:"+b.path, "--derived", `E:/VLM_DATA/derived`, "--dry-run")
	require.True(t, dry.DryRun)
	require.Positive(t, dry.FacesAdded)
	require.Equal(t, before, vlmphtest.Dump(t, b.db), "a dry run writes no row")
	require.NoDirExists(t, b.derived, "a dry run writes no file")

	var sum writeback.Summary
	e.json(&sum, "writeback", "vlmph:"+b.path, "--derived", `E:/VLM_DATA/derived`)
	t.Logf("first write-back: %+v", sum)
	require.Zero(t, sum.Errors, sum.ErrorSamples)
	require.Equal(t, dry.FacesAdded, sum.FacesAdded, "the dry run counted what the real one wrote")
	require.Equal(t, dry.CaptionsAdded, sum.CaptionsAdded)

	// Faces: Messi's face beside the labelled one, with its .npy and crop where the app looks.
	type face struct {
		id         int64
		x, y, w, h float64
		person     sql.NullInt64
		emb, label sql.NullString
		score      sql.NullFloat64
	}
	faces := func(asset int64) []face {
		rows, err := b.db.Query(`SELECT id, bbox_x, bbox_y, bbox_w, bbox_h, person_id, embedding_path, label_source, label_score
			FROM face_detections WHERE asset_id = ? ORDER BY id`, asset)
		require.NoError(t, err)
		defer rows.Close()
		var out []face
		for rows.Next() {
			var f face
			require.NoError(t, rows.Scan(&f.id, &f.x, &f.y, &f.w, &f.h, &f.person, &f.emb, &f.label, &f.score))
			out = append(out, f)
		}
		return out
	}
	mf := faces(messi)
	require.Len(t, mf, 2)
	require.Equal(t, manual, mf[0].id)
	require.Equal(t, face{id: manual, x: 2, y: 3, w: 40, h: 40, person: sql.NullInt64{Int64: dad, Valid: true},
		label: sql.NullString{String: "manual", Valid: true}, score: sql.NullFloat64{Float64: 1, Valid: true}}, mf[0], "the labelled face is untouched")
	ours := mf[1]
	require.Greater(t, ours.w, 20.0)
	require.Greater(t, ours.h, 20.0)
	require.LessOrEqual(t, ours.x+ours.w, 549.0)
	require.Equal(t, "E:/VLM_DATA/derived/face_embeddings/"+jsonNum(ours.id)+".npy", ours.emb.String)
	require.Equal(t, "dnn", ours.label.String)
	require.True(t, ours.person.Valid)
	checkNPY(t, filepath.Join(b.derived, "face_embeddings", jsonNum(ours.id)+".npy"), 512, true)
	checkCrop(t, filepath.Join(b.derived, "faces", "256", jsonNum(ours.id)+".jpg"), ours.w, ours.h)

	// Persons: ours with its centroid and name; Dad as he was.
	var (
		name     sql.NullString
		count    int
		centroid sql.NullString
	)
	require.NoError(t, b.db.QueryRow(`SELECT display_name, face_count, embedding_path FROM persons WHERE id = ?`, ours.person.Int64).
		Scan(&name, &count, &centroid))
	require.Equal(t, "Lionel", name.String)
	require.Equal(t, 1, count)
	require.Equal(t, "E:/VLM_DATA/derived/person_embeddings/"+jsonNum(ours.person.Int64)+".npy", centroid.String)
	checkNPY(t, filepath.Join(b.derived, "person_embeddings", jsonNum(ours.person.Int64)+".npy"), 512, true)
	require.NoError(t, b.db.QueryRow(`SELECT display_name, face_count FROM persons WHERE id = ?`, dad).Scan(&name, &count))
	require.Equal(t, "Dad", name.String)
	require.Equal(t, 1, count)
	af := faces(astro)
	require.Len(t, af, 1)
	require.True(t, af[0].person.Valid)
	require.NotEqual(t, ours.person.Int64, af[0].person.Int64, "two people, two persons")

	// Captions: ours added, the older machine caption superseded, the edited one left alone.
	type caption struct {
		text, model, tier, version string
		edited, superseded         bool
	}
	captions := func(asset int64) map[int64]caption {
		rows, err := b.db.Query(`SELECT id, text, model, COALESCE(quality_tier, ''), COALESCE(model_version, ''), user_edited, superseded
			FROM captions WHERE asset_id = ?`, asset)
		require.NoError(t, err)
		defer rows.Close()
		out := map[int64]caption{}
		for rows.Next() {
			var (
				id int64
				c  caption
			)
			require.NoError(t, rows.Scan(&id, &c.text, &c.model, &c.tier, &c.version, &c.edited, &c.superseded))
			out[id] = c
		}
		return out
	}
	ac := captions(astro)
	require.Len(t, ac, 3)
	require.Equal(t, caption{text: "Eileen on the shuttle, 1999", model: "blip", edited: true}, ac[edited])
	require.True(t, ac[older].superseded)
	for id, c := range ac {
		if id != edited && id != older {
			require.Equal(t, "A person in a photo.", c.text)
			require.Equal(t, "qwen2-vl-test", c.model)
			require.Equal(t, "quality", c.tier)
			require.NotEmpty(t, c.version)
			require.False(t, c.superseded)
		}
	}
	var (
		processed bool
		variants  int
		errLast   sql.NullString
	)
	require.NoError(t, b.db.QueryRow(`SELECT caption_processed, caption_variant_count, caption_error_last FROM assets WHERE id = ?`, astro).
		Scan(&processed, &variants, &errLast))
	require.True(t, processed)
	require.Equal(t, 2, variants, "the edited caption and ours")
	require.False(t, errLast.Valid)
	require.Len(t, captions(video), 1, "a video gets the caption of its middle keyframe")

	// Video segments with their keyframes.
	rows, err := b.db.Query(`SELECT start_sec, end_sec, keyframe_path FROM video_segments WHERE asset_id = ? ORDER BY start_sec`, video)
	require.NoError(t, err)
	var last float64 = -1
	n := 0
	for rows.Next() {
		var (
			start, end float64
			kf         string
		)
		require.NoError(t, rows.Scan(&start, &end, &kf))
		require.Greater(t, start, last)
		require.GreaterOrEqual(t, end, start)
		last = start
		prefix := "E:/VLM_DATA/derived/video_frames/" + jsonNum(video) + "/"
		require.True(t, strings.HasPrefix(kf, prefix), kf)
		local := filepath.Join(b.derived, "video_frames", jsonNum(video), strings.TrimPrefix(kf, prefix))
		f, err := os.Open(local)
		require.NoError(t, err)
		_, format, err := image.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		require.Equal(t, "jpeg", format)
		n++
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.GreaterOrEqual(t, n, 3)

	// The suppressed asset, whose content the store holds under the same key, got nothing.
	for _, q := range []string{`SELECT COUNT(*) FROM face_detections WHERE asset_id = ?`, `SELECT COUNT(*) FROM captions WHERE asset_id = ?`,
		`SELECT COUNT(*) FROM video_segments WHERE asset_id = ?`, `SELECT caption_processed FROM assets WHERE id = ?`} {
		var c int
		require.NoError(t, b.db.QueryRow(q, hidden).Scan(&c))
		require.Zero(t, c, q)
	}

	// Again: nothing changes, not a row, not a file.
	after := vlmphtest.Dump(t, b.db)
	files := listFiles(t, b.derived)
	var again writeback.Summary
	e.json(&again, "writeback", "vlmph:"+b.path, "--derived", `E:/VLM_DATA/derived`)
	require.Zero(t, again.Changes(), "%+v", again)
	require.Zero(t, again.FilesWritten)
	require.Equal(t, after, vlmphtest.Dump(t, b.db))
	require.Equal(t, files, listFiles(t, b.derived))
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// checkNPY loads a .npy file by its format and with numpy: a float32 vector of dim values,
// of unit length when unit is set.
func checkNPY(t *testing.T, path string, dim int, unit bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	v, err := writeback.DecodeNPY(data)
	require.NoError(t, err)
	require.Len(t, v, dim)
	if unit {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		require.InDelta(t, 1, math.Sqrt(n), 1e-3)
	}
	out, err := exec.Command(numpyPython(t), "-c", `import sys, numpy as np
a = np.load(sys.argv[1])
print(a.dtype, a.shape, float((a.astype('float64')**2).sum()) ** 0.5)`, path).CombinedOutput()
	require.NoError(t, err, "numpy could not load %s (run `go tool task setup` for python3-numpy): %s", path, out)
	fields := strings.Fields(string(out))
	require.Equal(t, "float32", fields[0], string(out))
	require.Equal(t, "("+jsonNum(int64(dim))+",)", fields[1], string(out))
}

// checkCrop opens a face crop: a JPEG of the box's aspect, its long side at most 256.
func checkCrop(t *testing.T, path string, w, h float64) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	require.NoError(t, err)
	require.Equal(t, "jpeg", format)
	require.LessOrEqual(t, max(cfg.Width, cfg.Height), 256)
	require.InDelta(t, w/h, float64(cfg.Width)/float64(cfg.Height), 0.1)
}

func listFiles(t *testing.T, root string) map[string]int64 {
	out := map[string]int64{}
	require.NoError(t, filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			out[p] = fi.ModTime().UnixNano()
		}
		return nil
	}))
	return out
}

// numpyPython is a python3 that imports numpy: the one on PATH, else Debian's.
func numpyPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import numpy").Run() == nil {
			return py
		}
	}
	t.Fatalf("no python3 with numpy to load the .npy files with: run `go tool task setup` (Debian python3-numpy)")
	return ""
}
