package writeback

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"sort"
	"strings"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
)

// QualityTier is the quality_tier that app gives a caption of a model when no profile says
// otherwise: qwen models 'quality', blip 'balanced', vit and mini models 'fast', the rest
// 'balanced'.
func QualityTier(model string) string {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "qwen"):
		return "quality"
	case strings.Contains(m, "blip"):
		return "balanced"
	case strings.Contains(m, "vit"), strings.Contains(m, "mini"):
		return "fast"
	}
	return "balanced"
}

// pickCaption chooses the caption written for an asset: a photo's own (frame 0); for a video,
// that of the keyframe nearest its middle, as that app captions a video from its middle frame.
// Of several model versions, the configured one, else the last.
func (w *writer) pickCaption(p *prepared) *store.CaptionResult {
	v := p.view
	frame := 0
	if p.a.Media == catalog.Video {
		best := math.Inf(1)
		mid := 0.0
		if v.Video != nil {
			mid = v.Video.DurationSec / 2
		}
		have := map[int]bool{}
		for _, c := range v.Captions {
			have[c.Frame] = true
		}
		frame = -1
		for _, k := range v.Keyframes {
			if d := math.Abs(k.Timestamp - mid); have[k.Index] && d < best {
				best, frame = d, k.Index
			}
		}
	}
	var cands []store.CaptionResult
	for _, c := range v.Captions {
		if c.Frame == frame && strings.TrimSpace(c.Text) != "" {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].ModelVersion < cands[j].ModelVersion })
	for i := range cands {
		if cands[i].ModelVersion == w.o.CaptionsVersion {
			return &cands[i]
		}
	}
	return &cands[len(cands)-1]
}

// writeCaption adds or refreshes the asset's caption of ours, marks the older machine
// captions superseded and updates the asset's caption fields, as that app's caption task
// does. A caption of ours a person edited since is left alone.
func (w *writer) writeCaption(ctx context.Context, t *sql.Tx, p *prepared) error {
	c := w.pickCaption(p)
	if c == nil {
		return nil
	}
	model := c.Model
	if model == "" {
		model = c.Backend
	}
	if model == "" {
		model = "mediafleet"
	}
	tier := w.o.QualityTier
	if tier == "" {
		tier = QualityTier(model)
	}
	var (
		id               int64
		text             string
		edited, replaced bool
	)
	err := t.QueryRowContext(ctx, `SELECT id, text, user_edited, superseded FROM captions
		WHERE asset_id = ? AND model_version = ? ORDER BY id DESC LIMIT 1`, p.id, c.ModelVersion).Scan(&id, &text, &edited, &replaced)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = t.QueryRowContext(ctx, `INSERT INTO captions (asset_id, text, model, user_edited, created_at, updated_at,
			quality_tier, model_version, superseded) VALUES (?, ?, ?, 0, ?, ?, ?, ?, 0) RETURNING id`,
			p.id, c.Text, model, w.now, w.now, tier, c.ModelVersion).Scan(&id)
		if err != nil {
			return err
		}
		w.sum.CaptionsAdded++
	case err != nil:
		return err
	case edited:
		w.sum.CaptionsKeptEdited++
		return nil
	case text == c.Text && !replaced:
		return nil
	default:
		if _, err := t.ExecContext(ctx, `UPDATE captions SET text = ?, model = ?, quality_tier = ?, superseded = 0, updated_at = ?
			WHERE id = ?`, c.Text, model, tier, w.now, id); err != nil {
			return err
		}
		w.sum.CaptionsUpdated++
	}
	res, err := t.ExecContext(ctx, `UPDATE captions SET superseded = 1, updated_at = ?
		WHERE asset_id = ? AND id <> ? AND user_edited = 0 AND superseded = 0`, w.now, p.id, id)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	w.sum.CaptionsSuperseded += int(n)
	_, err = t.ExecContext(ctx, `UPDATE assets SET caption_processed = 1, caption_processed_at = ?, caption_error_last = NULL,
		caption_model_profile_last = ?,
		caption_variant_count = (SELECT COUNT(*) FROM captions WHERE asset_id = ? AND superseded = 0)
		WHERE id = ?`, w.now, tier, p.id, p.id)
	return err
}
