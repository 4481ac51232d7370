package writeback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
)

// Options say what to write where.
type Options struct {
	// Catalog is the local path of the vlmPhotoHouse SQLite file.
	Catalog string
	Store   store.Store
	Derived Derived
	// PathMap maps the catalog's asset paths to this machine (for the photos faces are cut from).
	PathMap catalog.PathMap
	// FacesVersion is the face model version whose faces and persons are written.
	FacesVersion string
	// CaptionsVersion picks the captions written; empty: the only or the last version stored.
	CaptionsVersion string
	// QualityTier of the captions written; empty: inferred from the model name.
	QualityTier string
	// DryRun counts what would be written and writes nothing.
	DryRun bool
	// Batch is how many assets one transaction covers (default 50).
	Batch int
	// Progress, when set, is called after each batch with the counts so far and the total.
	Progress func(done, total int, s Summary)
	Log      zerolog.Logger
	// Now tells the time of the rows written; nil is time.Now.
	Now func() time.Time
}

// Summary counts what a run wrote (or, dry, would write).
type Summary struct {
	Catalog string `json:"catalog"`
	DryRun  bool   `json:"dry_run"`
	// Assets is how many active assets the catalog has; Skipped the rows passed over, by reason
	// (suppressed assets among them); NotInStore the assets the store holds nothing for.
	Assets     int            `json:"assets"`
	Skipped    map[string]int `json:"skipped"`
	NotInStore int            `json:"not_in_store"`

	FacesAdded int `json:"faces_added"`
	// FacesKept are faces the catalog already had from elsewhere (a box overlapping ours).
	FacesKept int `json:"faces_kept"`
	// FacesAssigned are faces whose person was set or changed.
	FacesAssigned  int `json:"faces_assigned"`
	PersonsCreated int `json:"persons_created"`
	PersonsUpdated int `json:"persons_updated"`
	PersonsRemoved int `json:"persons_removed"`
	PersonsNamed   int `json:"persons_named"`

	CaptionsAdded      int `json:"captions_added"`
	CaptionsUpdated    int `json:"captions_updated"`
	CaptionsSuperseded int `json:"captions_superseded"`
	// CaptionsKeptEdited are captions of ours a person edited since: left as they are.
	CaptionsKeptEdited int `json:"captions_kept_edited"`

	SegmentsAdded   int `json:"segments_added"`
	SegmentsRemoved int `json:"segments_removed"`
	// VideosKept are videos whose segments the catalog already had from elsewhere.
	VideosKept int `json:"videos_kept"`

	FilesWritten int      `json:"files_written"`
	Errors       int      `json:"errors"`
	ErrorSamples []string `json:"error_samples,omitempty"`
}

// Changes is how many rows the run added, changed or removed.
func (s Summary) Changes() int {
	return s.FacesAdded + s.FacesAssigned + s.PersonsCreated + s.PersonsUpdated + s.PersonsRemoved + s.PersonsNamed +
		s.CaptionsAdded + s.CaptionsUpdated + s.CaptionsSuperseded + s.SegmentsAdded + s.SegmentsRemoved
}

func (s *Summary) fail(err error) {
	s.Errors++
	if len(s.ErrorSamples) < 10 {
		s.ErrorSamples = append(s.ErrorSamples, err.Error())
	}
}

// writer is one run.
type writer struct {
	o    Options
	db   *sql.DB
	sum  Summary
	now  string
	ours []*ourFace // every face of ours in the catalog, for the persons phase
}

// Run writes the store's results for the catalog's active assets. It returns the summary
// even when it stops early, with the error that stopped it. Errors of single assets (a photo
// that cannot be read) are counted and sampled in the summary; the rest goes on.
func Run(ctx context.Context, o Options) (Summary, error) {
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &writer{o: o, sum: Summary{Catalog: o.Catalog, DryRun: o.DryRun, Skipped: map[string]int{}}, now: timestamp(o.Now())}
	if o.Store == nil {
		return w.sum, errors.New("writeback: no results store")
	}
	if o.FacesVersion == "" {
		return w.sum, errors.New("writeback: no face model version")
	}
	src, err := catalog.NewVLMPHSource(o.Catalog, o.PathMap, o.Log)
	if err != nil {
		return w.sum, err
	}
	db, err := openCatalog(o.Catalog)
	if err != nil {
		return w.sum, err
	}
	defer db.Close()
	w.db = db
	if err := checkSchema(ctx, db, o.DryRun); err != nil {
		return w.sum, fmt.Errorf("vlmph:%s: %w", o.Catalog, err)
	}
	// Read the assets first: a read held open across the writes would block them.
	var assets []catalog.Asset
	stats, err := src.Scan(ctx, func(a catalog.Asset) error { assets = append(assets, a); return nil })
	if err != nil {
		return w.sum, err
	}
	w.sum.Assets = len(assets)
	for k, v := range stats.Skipped {
		w.sum.Skipped[k] = v
	}
	for i := 0; i < len(assets); i += o.Batch {
		if err := ctx.Err(); err != nil {
			return w.sum, err
		}
		batch := assets[i:min(i+o.Batch, len(assets))]
		if err := w.writeBatch(ctx, batch); err != nil {
			return w.sum, err
		}
		if o.Progress != nil {
			o.Progress(i+len(batch), len(assets), w.sum)
		}
	}
	if err := w.writePersons(ctx); err != nil {
		return w.sum, err
	}
	return w.sum, nil
}

// prepared is one asset with what the store holds for it and the files to write.
type prepared struct {
	a     catalog.Asset
	id    int64
	view  *store.AssetView
	crops map[int][]byte // face index -> 256 px JPEG, when the faces may be added
}

// writeBatch writes the faces, captions and segments of a batch of assets in one transaction.
// Photos are read before it begins, so it holds the catalog's lock only for the writes.
func (w *writer) writeBatch(ctx context.Context, batch []catalog.Asset) error {
	var preps []*prepared
	for _, a := range batch {
		p, err := w.prepare(ctx, a)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.sum.fail(err)
			continue
		}
		if p != nil {
			preps = append(preps, p)
		}
	}
	if len(preps) == 0 {
		return nil
	}
	var found []*ourFace
	err := tx(ctx, w.db, w.o.DryRun, func(t *sql.Tx) error {
		found = found[:0]
		for _, p := range preps {
			if active, err := stillActive(ctx, t, p.id); err != nil {
				return err
			} else if !active {
				w.sum.Skipped[catalog.SkipInactive]++
				continue
			}
			fs, err := w.writeFaces(ctx, t, p)
			if err != nil {
				return err
			}
			found = append(found, fs...)
			if err := w.writeCaption(ctx, t, p); err != nil {
				return err
			}
			if err := w.writeSegments(ctx, t, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing into vlmph:%s: %w", w.o.Catalog, err)
	}
	w.ours = append(w.ours, found...)
	return nil
}

// prepare reads the store's results of one asset and, when its faces may be added, cuts
// their crops from the photo. nil when the store holds nothing for it.
func (w *writer) prepare(ctx context.Context, a catalog.Asset) (*prepared, error) {
	var id int64
	if _, err := fmt.Sscan(a.ID, &id); err != nil {
		return nil, fmt.Errorf("catalog asset id %q is not a number", a.ID)
	}
	v, err := w.o.Store.ShowKey(ctx, a.Key())
	if errors.Is(err, store.ErrNotFound) {
		w.sum.NotInStore++
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := &prepared{a: a, id: id, view: v}
	if len(w.photoFaces(p)) == 0 {
		return p, nil
	}
	added, err := facesAddedBefore(ctx, w.db, id)
	if err != nil {
		return nil, err
	}
	if !added {
		if p.crops, err = cutCrops(a.Path, w.photoFaces(p)); err != nil {
			w.sum.fail(fmt.Errorf("faces of %s (asset %d) not written: %w", a.SourcePath, id, err))
			p.view.Faces = nil
		}
	}
	return p, nil
}

// stillActive re-reads an asset's status inside the transaction: one suppressed since the
// scan is not written.
func stillActive(ctx context.Context, t *sql.Tx, id int64) (bool, error) {
	var status sql.NullString
	err := t.QueryRowContext(ctx, `SELECT status FROM assets WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !status.Valid || status.String == "active", nil
}

// file writes one derived file, unless dry.
func (w *writer) file(path string, data []byte) error {
	if w.o.DryRun {
		return nil
	}
	if err := writeFile(path, data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	w.sum.FilesWritten++
	return nil
}
