package writeback

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/mediafleet/mediafleet/catalog"
)

type segment struct {
	start, end float64
	path       string // the catalog's form
	local      string
	src        string // the keyframe JPEG in mediafleet's data
}

// segmentsOf are the segments of a video: one per keyframe, from its time to the next
// keyframe's (the last to the end of the video), its JPEG under derived/video_frames/<id>/.
func (w *writer) segmentsOf(p *prepared) []segment {
	v := p.view
	if len(v.Keyframes) == 0 {
		return nil
	}
	dur := 0.0
	if v.Video != nil {
		dur = v.Video.DurationSec
	}
	// The model version of the frames is not in the view; their paths name it well enough.
	h := sha256.Sum256([]byte(v.Keyframes[0].Path))
	tag := hex.EncodeToString(h[:4])
	dir := fmt.Sprint(p.id)
	out := make([]segment, len(v.Keyframes))
	for i, k := range v.Keyframes {
		end := dur
		if i+1 < len(v.Keyframes) {
			end = v.Keyframes[i+1].Timestamp
		}
		end = max(end, k.Timestamp)
		name := fmt.Sprintf("mediafleet-%s-%04d.jpg", tag, k.Index)
		out[i] = segment{start: k.Timestamp, end: end, path: w.o.Derived.Path("video_frames", dir, name),
			local: w.o.Derived.LocalPath("video_frames", dir, name), src: k.Path}
	}
	return out
}

// writeSegments makes the video's segments of ours in the catalog the ones the store holds.
// A video whose segments came from elsewhere is left as it is.
func (w *writer) writeSegments(ctx context.Context, t *sql.Tx, p *prepared) error {
	if p.a.Media != catalog.Video {
		return nil
	}
	want := w.segmentsOf(p)
	if len(want) == 0 {
		return nil
	}
	prefix := w.o.Derived.Path("video_frames", fmt.Sprint(p.id), "mediafleet-")
	r, err := t.QueryContext(ctx, `SELECT id, start_sec, end_sec, COALESCE(keyframe_path, '') FROM video_segments
		WHERE asset_id = ? ORDER BY start_sec, id`, p.id)
	if err != nil {
		return err
	}
	var (
		ours    []segment
		oursIDs []int64
		foreign int
	)
	for r.Next() {
		var (
			id int64
			s  segment
		)
		if err := r.Scan(&id, &s.start, &s.end, &s.path); err != nil {
			r.Close()
			return err
		}
		if strings.HasPrefix(s.path, prefix) {
			ours, oursIDs = append(ours, s), append(oursIDs, id)
		} else {
			foreign++
		}
	}
	r.Close()
	if err := r.Err(); err != nil {
		return err
	}
	if foreign > 0 {
		w.sum.VideosKept++
		return nil
	}
	if sameSegments(ours, want) {
		return nil
	}
	frames := make([][]byte, len(want))
	for i, s := range want {
		if frames[i], err = readKeyframe(s.src); err != nil {
			w.sum.fail(fmt.Errorf("segments of %s (asset %d) not written: %w", p.a.SourcePath, p.id, err))
			return nil
		}
	}
	for _, id := range oursIDs {
		if _, err := t.ExecContext(ctx, `DELETE FROM video_segments WHERE id = ?`, id); err != nil {
			return err
		}
		w.sum.SegmentsRemoved++
	}
	for i, s := range want {
		if err := w.file(s.local, frames[i]); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO video_segments (asset_id, start_sec, end_sec, keyframe_path, created_at)
			VALUES (?, ?, ?, ?, ?)`, p.id, s.start, s.end, s.path, w.now); err != nil {
			return err
		}
		w.sum.SegmentsAdded++
	}
	return nil
}

func sameSegments(have, want []segment) bool {
	if len(have) != len(want) {
		return false
	}
	for i := range have {
		if have[i].start != want[i].start || have[i].end != want[i].end || have[i].path != want[i].path {
			return false
		}
	}
	return true
}

// readKeyframe reads a keyframe JPEG the keyframes task wrote.
func readKeyframe(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyframe %s: %w (write back where the keyframe workers' data_dir is reachable)", path, err)
	}
	return b, nil
}
