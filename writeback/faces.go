package writeback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/facecrop"
)

// Settings of the files that app keeps per face.
const (
	cropEdge    = 256
	cropQuality = 85
	// dedupeIoU is the overlap at which a box counts as a face the catalog already has (that
	// app's own face task uses the same).
	dedupeIoU = 0.60
)

// ourFace is a face of ours as the catalog holds it.
type ourFace struct {
	ref      store.FaceRef
	row      int64
	assetID  int64
	person   sql.NullInt64  // the row's person_id
	label    sql.NullString // the row's label_source
	score    sql.NullFloat64
	owned    bool // the row's assignment is the one mediafleet last recorded
	assigned int64
}

// photoFaces are the faces of the asset's photo in the model version written, with an embedding.
func (w *writer) photoFaces(p *prepared) []store.FaceView {
	var out []store.FaceView
	for _, f := range p.view.Faces {
		if f.Frame == 0 && f.ModelVersion == w.o.FacesVersion && len(f.Embedding) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// facesAddedBefore tells whether a run added faces to the asset before: then it adds none
// again, so a face a person deleted in the app stays deleted.
func facesAddedBefore(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, assetID int64) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, `SELECT 1 FROM face_assignment_events WHERE asset_id = ? AND actor = ? AND reason = ? LIMIT 1`,
		assetID, Actor, reasonFace).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// cutCrops cuts the 256 px crop of every face from the photo.
func cutCrops(path string, faces []store.FaceView) (map[int][]byte, error) {
	img, err := facecrop.Open(path)
	if err != nil {
		return nil, err
	}
	out := make(map[int][]byte, len(faces))
	for _, f := range faces {
		b := boxOf(f.BBox)
		jpg, err := img.JPEG(facecrop.Box{X: b[0], Y: b[1], W: b[2], H: b[3]}, cropEdge, cropQuality)
		if err != nil {
			return nil, err
		}
		out[f.Index] = jpg
	}
	return out, nil
}

// boxOf turns a stored x1, y1, x2, y2 box into that app's x, y, w, h. The float32 values are
// widened exactly, so a box written once compares equal when read back.
func boxOf(b [4]float32) [4]float64 {
	return [4]float64{float64(b[0]), float64(b[1]), float64(b[2] - b[0]), float64(b[3] - b[1])}
}

type catalogFace struct {
	id     int64
	box    [4]float64
	person sql.NullInt64
	label  sql.NullString
	score  sql.NullFloat64
}

// writeFaces adds the asset's faces the catalog lacks and returns every face of ours the
// catalog holds for it.
func (w *writer) writeFaces(ctx context.Context, t *sql.Tx, p *prepared) ([]*ourFace, error) {
	faces := w.photoFaces(p)
	if len(faces) == 0 {
		return nil, nil
	}
	rows, err := readFaces(ctx, t, p.id)
	if err != nil {
		return nil, err
	}
	added, err := facesAddedBefore(ctx, t, p.id)
	if err != nil {
		return nil, err
	}
	var ours []*ourFace
	for _, f := range faces {
		box := boxOf(f.BBox)
		ref := store.FaceRef{AssetKey: p.view.Key, Frame: f.Frame, ModelVersion: f.ModelVersion, Index: f.Index}
		if row := exact(rows, box); row != nil {
			ours = append(ours, &ourFace{ref: ref, row: row.id, assetID: p.id, person: row.person, label: row.label, score: row.score})
			continue
		}
		if added || p.crops[f.Index] == nil {
			continue
		}
		if overlaps(rows, box) {
			w.sum.FacesKept++
			continue
		}
		id, err := w.addFace(ctx, t, p.id, box, f.Embedding, p.crops[f.Index])
		if err != nil {
			return nil, err
		}
		rows = append(rows, catalogFace{id: id, box: box})
		ours = append(ours, &ourFace{ref: ref, row: id, assetID: p.id, owned: true})
	}
	if err := markOwned(ctx, t, ours); err != nil {
		return nil, err
	}
	return ours, nil
}

// addFace inserts one face row with its embedding and crop files and records it.
func (w *writer) addFace(ctx context.Context, t *sql.Tx, assetID int64, box [4]float64, emb []float32, crop []byte) (int64, error) {
	var id int64
	err := t.QueryRowContext(ctx, `INSERT INTO face_detections (asset_id, bbox_x, bbox_y, bbox_w, bbox_h, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, assetID, box[0], box[1], box[2], box[3], w.now).Scan(&id)
	if err != nil {
		return 0, err
	}
	name := fmt.Sprintf("%d.npy", id)
	if _, err := t.ExecContext(ctx, `UPDATE face_detections SET embedding_path = ? WHERE id = ?`,
		w.o.Derived.Path("face_embeddings", name), id); err != nil {
		return 0, err
	}
	if err := w.file(w.o.Derived.LocalPath("face_embeddings", name), EncodeNPY(emb)); err != nil {
		return 0, err
	}
	if err := w.file(w.o.Derived.LocalPath("faces", "256", fmt.Sprintf("%d.jpg", id)), crop); err != nil {
		return 0, err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO face_assignment_events (face_id, asset_id, source, reason, actor, created_at)
		VALUES (?, ?, 'dnn', ?, ?, ?)`, id, assetID, reasonFace, Actor, w.now); err != nil {
		return 0, err
	}
	w.sum.FacesAdded++
	return id, nil
}

func readFaces(ctx context.Context, t *sql.Tx, assetID int64) ([]catalogFace, error) {
	r, err := t.QueryContext(ctx, `SELECT id, bbox_x, bbox_y, bbox_w, bbox_h, person_id, label_source, label_score
		FROM face_detections WHERE asset_id = ? ORDER BY id`, assetID)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []catalogFace
	for r.Next() {
		var f catalogFace
		if err := r.Scan(&f.id, &f.box[0], &f.box[1], &f.box[2], &f.box[3], &f.person, &f.label, &f.score); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, r.Err()
}

// markOwned sets owned on the faces whose latest audit record is ours and still describes
// the row: nobody changed their assignment since.
func markOwned(ctx context.Context, t *sql.Tx, fs []*ourFace) error {
	for _, f := range fs {
		if f.owned {
			continue
		}
		var (
			actor  sql.NullString
			person sql.NullInt64
			label  sql.NullString
		)
		err := t.QueryRowContext(ctx, `SELECT actor, new_person_id, new_label_source FROM face_assignment_events
			WHERE face_id = ? ORDER BY id DESC LIMIT 1`, f.row).Scan(&actor, &person, &label)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		f.owned = actor.String == Actor && person == f.person && (f.label.String == "" || f.label.String == "dnn") &&
			label.String == f.label.String
	}
	return nil
}

// exact is the row whose box is ours to the bit (one this package wrote), or nil.
func exact(rows []catalogFace, box [4]float64) *catalogFace {
	for i := range rows {
		if rows[i].box == box {
			return &rows[i]
		}
	}
	return nil
}

func overlaps(rows []catalogFace, box [4]float64) bool {
	for _, r := range rows {
		if iou(r.box, box) >= dedupeIoU {
			return true
		}
	}
	return false
}

// iou is the overlap of two x, y, w, h boxes: intersection over union.
func iou(a, b [4]float64) float64 {
	ix := min(a[0]+a[2], b[0]+b[2]) - max(a[0], b[0])
	iy := min(a[1]+a[3], b[1]+b[3]) - max(a[1], b[1])
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := a[2]*a[3] + b[2]*b[3] - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}
