package writeback_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/writeback"
	"github.com/mediafleet/mediafleet/writeback/vlmphtest"
)

const mv = "fr-test"

// photo puts messi5.jpg on the drive as rel, records it in the catalog and in the store with
// faces at the given x1, y1, x2, y2 boxes (unit embeddings along distinct axes), and returns
// its catalog id and store key.
func (b *bed) photo(rel, status string, boxes ...[4]float32) (int64, string) {
	t := b.t
	dst := filepath.Join(b.drive, filepath.FromSlash(strings.ReplaceAll(rel, `\`, "/")))
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	data, err := os.ReadFile(testenv.Sample(t, "messi5.jpg"))
	require.NoError(t, err)
	data = append(data, []byte(rel)...) // distinct content, distinct key
	require.NoError(t, os.WriteFile(dst, data, 0o644))
	sha := vlmphtest.SHA256(t, dst)
	id := vlmphtest.Exec(t, b.db, `INSERT INTO assets (path, hash_sha256, mime, status) VALUES (?, ?, 'image/jpeg', ?)`,
		"E:/"+rel, sha, status)
	key := tasks.AssetKey(sha, "", 0, 0)
	require.NoError(t, b.st.UpsertAsset(t.Context(), store.Asset{Key: key, Path: dst, SHA256: sha, Media: "image"}))
	var faces []store.Face
	for i, bx := range boxes {
		emb := make([]float32, 16)
		emb[i%16] = 1
		faces = append(faces, store.Face{Index: i, BBox: bx, Score: 0.9, Embedding: emb, Dim: 16})
	}
	require.NoError(t, b.st.PutFaces(t.Context(), store.FacesResult{AssetKey: key, ModelVersion: mv, Image: dst, Faces: faces}))
	return id, key
}

func (b *bed) run() writeback.Summary {
	b.t.Helper()
	s, err := writeback.Run(b.t.Context(), b.opt)
	require.NoError(b.t, err)
	require.Zero(b.t, s.Errors, s.ErrorSamples)
	return s
}

func TestNPYBytes(t *testing.T) {
	t.Parallel()
	b := writeback.EncodeNPY([]float32{1, -2.5})
	require.Equal(t, "\x93NUMPY\x01\x00", string(b[:8]))
	hlen := int(b[8]) | int(b[9])<<8
	require.Zero(t, (10+hlen)%64, "the header pads the data to 64 bytes")
	require.Equal(t, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", strings.TrimRight(string(b[10:10+hlen]), " \n"))
	require.Equal(t, []byte{0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0}, b[10+hlen:])
	v, err := writeback.DecodeNPY(b)
	require.NoError(t, err)
	require.Equal(t, []float32{1, -2.5}, v)
	_, err = writeback.DecodeNPY(bytes.Replace(b, []byte("<f4"), []byte("<f8"), 1))
	require.Error(t, err)
}

// TestSchemaDiffersRefused: a catalog whose tables differ is refused with what differs, and
// nothing is written.
func TestSchemaDiffersRefused(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	b.photo("a.jpg", "active", [4]float32{200, 50, 280, 150})
	vlmphtest.Exec(t, b.db, `ALTER TABLE face_detections DROP COLUMN label_score`)
	vlmphtest.Exec(t, b.db, `ALTER TABLE captions ADD COLUMN language VARCHAR(8)`)
	before := vlmphtest.Dump(t, b.db)
	_, err := writeback.Run(t.Context(), b.opt)
	require.ErrorIs(t, err, writeback.ErrSchema)
	require.ErrorContains(t, err, "face_detections.label_score is missing")
	require.ErrorContains(t, err, "captions.language is a column mediafleet does not know")
	require.ErrorContains(t, err, "a1c9d4e5f8b2")
	require.Equal(t, before, vlmphtest.Dump(t, b.db))
}

// TestOthersChangesKept: faces a person moved, deleted or labelled, and a caption of ours a
// person edited, stay as the person left them on the next run.
func TestOthersChangesKept(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := t.Context()
	id, key := b.photo(`01_INCOMING\Jane\a.jpg`, "active", [4]float32{200, 50, 280, 150}, [4]float32{300, 60, 370, 140},
		[4]float32{10, 10, 60, 60})
	// One person per face.
	for i := range 3 {
		_, err := persons.Assign(ctx, b.st, store.FaceRef{AssetKey: key, ModelVersion: mv, Index: i}, persons.NewPerson)
		require.NoError(t, err)
	}
	require.NoError(t, b.st.PutCaption(ctx, store.CaptionResult{AssetKey: key, ModelVersion: "cap-v1", Text: "two men", Model: "llava-mini"}))
	s := b.run()
	require.Equal(t, 3, s.FacesAdded)
	require.Equal(t, 3, s.PersonsCreated)
	var embPath string
	require.NoError(t, b.db.QueryRow(`SELECT embedding_path FROM face_detections WHERE asset_id = ? ORDER BY id LIMIT 1`, id).Scan(&embPath))
	require.True(t, strings.HasPrefix(embPath, `E:\VLM_DATA\derived\face_embeddings\`), "the catalog's own separators: %s", embPath)
	var tier string
	require.NoError(t, b.db.QueryRow(`SELECT quality_tier FROM captions WHERE asset_id = ?`, id).Scan(&tier))
	require.Equal(t, "fast", tier, "a mini model is 'fast', as the app names it")

	rows := func() []int64 {
		r, err := b.db.Query(`SELECT id FROM face_detections WHERE asset_id = ? ORDER BY id`, id)
		require.NoError(t, err)
		defer r.Close()
		var out []int64
		for r.Next() {
			var x int64
			require.NoError(t, r.Scan(&x))
			out = append(out, x)
		}
		return out
	}
	ids := rows()
	require.Len(t, ids, 3)
	// In the app: face 0 is labelled by hand into a new person, face 1 moved by a merge
	// (keeping 'dnn'), face 2 deleted; our caption edited.
	mom := vlmphtest.Exec(t, b.db, `INSERT INTO persons (display_name, face_count) VALUES ('Mom', 2)`)
	vlmphtest.Exec(t, b.db, `UPDATE face_detections SET person_id = ?, label_source = 'manual' WHERE id = ?`, mom, ids[0])
	vlmphtest.Exec(t, b.db, `INSERT INTO face_assignment_events (face_id, asset_id, new_person_id, new_label_source, source, actor) VALUES (?, ?, ?, 'manual', 'manual', 'api')`, ids[0], id, mom)
	vlmphtest.Exec(t, b.db, `UPDATE face_detections SET person_id = ? WHERE id = ?`, mom, ids[1])
	vlmphtest.Exec(t, b.db, `INSERT INTO face_assignment_events (face_id, asset_id, new_person_id, new_label_source, source, actor) VALUES (?, ?, ?, 'dnn', 'system', 'api')`, ids[1], id, mom)
	vlmphtest.Exec(t, b.db, `DELETE FROM face_detections WHERE id = ?`, ids[2])
	vlmphtest.Exec(t, b.db, `UPDATE captions SET text = 'Leo and Sergio', user_edited = 1 WHERE asset_id = ?`, id)
	// In mediafleet: all three faces become one person.
	ps, err := b.st.ListPersons(ctx, mv)
	require.NoError(t, err)
	require.NoError(t, persons.Merge(ctx, b.st, ps[0].ID, ps[1].ID, ps[2].ID))
	require.NoError(t, b.st.PutCaption(ctx, store.CaptionResult{AssetKey: key, ModelVersion: "cap-v1", Text: "two footballers", Model: "llava-mini"}))

	before := vlmphtest.Dump(t, b.db)
	s = b.run()
	require.Zero(t, s.FacesAdded, "a deleted face stays deleted")
	require.Zero(t, s.FacesAssigned, "faces someone else moved are theirs now")
	require.Equal(t, 1, s.CaptionsKeptEdited)
	require.Zero(t, s.Changes(), "%+v", s)
	require.Equal(t, before, vlmphtest.Dump(t, b.db))
}

// TestSuppressedSinceScanAndForeignFaces: a box the catalog already has from the app's own
// detector is not added twice; an asset suppressed gets nothing.
func TestForeignFacesAndSuppressed(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	id, _ := b.photo("a.jpg", "active", [4]float32{200, 50, 280, 150}, [4]float32{300, 60, 370, 140})
	vlmphtest.Exec(t, b.db, `INSERT INTO face_detections (asset_id, bbox_x, bbox_y, bbox_w, bbox_h) VALUES (?, 203, 52, 78, 96)`, id)
	sup, _ := b.photo("b.jpg", "suppressed", [4]float32{200, 50, 280, 150})
	s := b.run()
	require.Equal(t, 1, s.FacesAdded)
	require.Equal(t, 1, s.FacesKept)
	require.Equal(t, 1, s.Skipped[catalog.SkipInactive])
	var n int
	require.NoError(t, b.db.QueryRow(`SELECT COUNT(*) FROM face_detections WHERE asset_id = ?`, sup).Scan(&n))
	require.Zero(t, n)
}

// TestWhileTheAppWrites: the app's own short write transactions go on during a run, about
// 200 a second; neither side fails on the lock.
func TestWhileTheAppWrites(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	for i := range 40 {
		b.photo("p/"+string(rune('a'+i%26))+string(rune('a'+i/26))+".jpg", "active", [4]float32{200, 50, 280, 150})
	}
	b.opt.Batch = 5
	app := vlmphtest.Open(t, b.path)
	ctx, cancel := context.WithCancel(t.Context())
	var (
		wg     sync.WaitGroup
		writes int
		appErr error
	)
	wg.Go(func() {
		for ctx.Err() == nil {
			tx, err := app.BeginTx(ctx, nil)
			if err == nil {
				_, err = tx.Exec(`UPDATE assets SET caption_error_last = ? WHERE id = 1`, time.Now().String())
				if err == nil {
					err = tx.Commit()
				} else {
					_ = tx.Rollback()
				}
			}
			if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				appErr = err
				return
			}
			writes++
			time.Sleep(5 * time.Millisecond) // a busy app: about 200 writes a second
		}
	})
	s := b.run()
	cancel()
	wg.Wait()
	require.NoError(t, appErr)
	require.Positive(t, writes)
	require.Equal(t, 40, s.FacesAdded)
}
