package faces

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"sync"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/rs/zerolog"
)

// Result is what a Pipeline found in one image.
type Result struct {
	Width        int    `json:"width"`  // of the upright image (after EXIF orientation)
	Height       int    `json:"height"` // of the upright image
	Faces        []Face `json:"faces"`  // best detection score first; empty when there is no face
	ModelVersion string `json:"model_version"`
	// Rejected counts the detections that the second check turned away (an animal's face,
	// an object that looks like one); they are not in Faces.
	Rejected int `json:"rejected"`
}

// Face is one detected face and its embedding.
type Face struct {
	Box   Box     `json:"box"`   // in the upright image's pixels
	Score float32 `json:"score"` // detector confidence, 0-1
	// Landmarks are the eye centres, nose tip and mouth corners (left and right as seen in
	// the image), in the upright image's pixels.
	Landmarks    [5]Point  `json:"landmarks"`
	Embedding    []float32 `json:"embedding"` // L2-normalised
	ModelVersion string    `json:"model_version"`
	crop         *raster
}

// Pipeline finds faces in images and embeds them: detection, 68-point landmarks, five-point
// similarity alignment, embedding. It is safe for concurrent use by many goroutines; the
// ONNX sessions are shared and their tensors pooled.
type Pipeline struct {
	cfg       Config
	log       zerolog.Logger
	det       *detector
	lmk       *landmarker
	emb       *embedder
	template  [5]Point
	budget    *budget
	version   string
	closeOnce sync.Once
	mu        sync.RWMutex // held for reading by calls in progress, for writing by Close
	closed    bool
}

// New loads the three models on rt. Missing model files, models of the wrong shape and
// invalid settings are errors that say what to fix.
func New(rt *ort.Runtime, cfg Config, log zerolog.Logger) (*Pipeline, error) {
	if rt == nil {
		return nil, errors.New("faces: New needs an ONNX Runtime (ort.Open)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	p := &Pipeline{cfg: cfg, log: log, budget: newBudget(cfg.DecodeBudget), version: cfg.Version()}
	var err error
	if p.det, err = newDetector(rt, cfg.Detector, cfg); err != nil {
		return nil, err
	}
	if p.lmk, err = newLandmarker(rt, cfg.Landmarks, cfg); err != nil {
		p.det.close()
		return nil, err
	}
	if p.emb, err = newEmbedder(rt, cfg); err != nil {
		p.det.close()
		p.lmk.close()
		return nil, err
	}
	scale := float32(cfg.Embedder.InputSize) / 112
	for i, t := range arcFaceTemplate {
		p.template[i] = Point{t.X * scale, t.Y * scale}
	}
	log.Info().Str("detector", cfg.Detector).Str("landmarks", cfg.Landmarks).Str("embedder", cfg.Embedder.Model).
		Str("version", p.version).Str("provider", p.det.sess.Provider()).
		Bool("dynamic_batch", p.emb.dynamic).Msg("face pipeline ready")
	return p, nil
}

// Provider is where the pipeline's models run: "CPU" or "CUDA:<id>" (all three sessions are
// made with the same device settings; this is the detector's).
func (p *Pipeline) Provider() string { return p.det.sess.Provider() }

// ModelVersion is the configuration's Version, recorded with every face.
func (p *Pipeline) ModelVersion() string { return p.version }

// ProcessFile decodes the image at path (JPEG with its EXIF orientation, PNG, WebP, or
// the first frame of a GIF) and processes it. Bad files (missing, empty, truncated,
// corrupt, over MaxPixels or the decode budget, HEIC or another format without a decoder)
// return an error for which IsPermanent is true and that names the file and the problem.
//
// The image is decoded no larger than detection needs for MinFacePx (JPEG scaled in the
// DCT, other formats averaged down while they stream in), inside the process's decode
// budget; faces that are small at that size are then cut out of the file again at the
// resolution their landmarks and embedding need.
func (p *Pipeline) ProcessFile(ctx context.Context, path string) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := openSource(path, p.cfg.MaxPixels)
	if err != nil {
		return nil, err
	}
	defer src.close()
	fw, fh := src.upright()
	plan, err := src.plan(p.decodeScale(fw, fh), p.budget.total)
	if err != nil {
		return nil, err
	}
	release, err := p.budget.reserve(ctx, path, fmt.Sprintf("the %dx%d %s", src.w, src.h, formatName(src.format)), plan.cost)
	if err != nil {
		return nil, err
	}
	defer release()
	v, err := src.decode(plan.scale)
	if err != nil {
		return nil, err
	}
	var regions regionSource
	if plan.regions {
		regions = src
	}
	res, err := p.process(ctx, v, fw, fh, regions)
	if err != nil {
		return nil, fmt.Errorf("faces in %s: %w", path, err)
	}
	return res, nil
}

// decodeScale is the resolution, relative to the full fw x fh image, that detection needs:
// the pyramid's finest level, and never less than a 640-pixel long edge, so small images
// are decoded whole.
func (p *Pipeline) decodeScale(fw, fh int) float64 {
	s := 640 / float64(max(fw, fh))
	if p.cfg.MinFacePx > 0 {
		s = max(s, float64(detMinFace)/float64(p.cfg.MinFacePx))
	}
	return min(1, s)
}

// ProcessImage processes an image that is already decoded and upright.
func (p *Pipeline) ProcessImage(ctx context.Context, img image.Image) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > p.cfg.MaxPixels {
		return nil, fmt.Errorf("faces: image of %dx%d pixels is empty or over the limit of %d (%w)", b.Dx(), b.Dy(), p.cfg.MaxPixels, ErrPermanent)
	}
	return p.process(ctx, wholePatch(toRaster(img), b.Dx(), b.Dy()), b.Dx(), b.Dy(), nil)
}

// regionSource cuts regions of the image out at a higher resolution than the whole-image
// raster has (a *source does).
type regionSource interface {
	regions(reqs []regionReq) ([]*patch, error)
}

func (p *Pipeline) process(ctx context.Context, v *patch, fw, fh int, src regionSource) (*Result, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	dets, err := p.det.detectAll(v, fw, fh, p.det.tiles(fw, fh, p.cfg.MinFacePx))
	if err != nil {
		return nil, err
	}
	patches, err := p.facePatches(v, fw, fh, dets, src)
	if err != nil {
		return nil, err
	}
	res := &Result{Width: fw, Height: fh, Faces: make([]Face, 0, len(dets)), ModelVersion: p.ModelVersion()}
	for i, d := range dets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pp := patches[i]
		inPatch := pp.toPatch(d.box)
		pts, _, err := p.lmk.landmarks(pp.img, inPatch)
		if err != nil {
			return nil, err
		}
		refined := refinedBox(pts)
		pts, gap, err := p.lmk.landmarks(pp.img, refined)
		if err != nil {
			return nil, err
		}
		if !p.cfg.Check.landmarksAgree(gap, iou(inPatch, refined)) {
			res.Rejected++
			continue
		}
		five := fivePoints(pts)
		f := Face{Box: d.box, Score: d.score, ModelVersion: p.ModelVersion(),
			crop: warp(pp.img, umeyama(five, p.template), p.cfg.Embedder.InputSize)}
		for k, q := range five {
			f.Landmarks[k] = pp.toFull(q)
		}
		res.Faces = append(res.Faces, f)
	}
	norms, err := p.embedAll(ctx, res.Faces)
	if err != nil {
		return nil, err
	}
	kept := res.Faces[:0]
	for i, f := range res.Faces {
		if p.cfg.Check.MinEmbeddingNorm > 0 && norms[i] < p.cfg.Check.MinEmbeddingNorm {
			res.Rejected++
			continue
		}
		kept = append(kept, f)
	}
	res.Faces = kept
	return res, nil
}

// facePatches picks, for each detection, the raster its landmarks and aligned crop come
// from: the whole-image one when it shows the face at least at the size the embedding
// model takes, else the face's surroundings cut out of the file again at that size.
func (p *Pipeline) facePatches(v *patch, fw, fh int, dets []detection, src regionSource) ([]*patch, error) {
	out := make([]*patch, len(dets))
	target := 1.5 * float64(p.cfg.Embedder.InputSize)
	var reqs []regionReq
	var idx []int
	var pass int64
	flush := func() error {
		if len(reqs) == 0 {
			return nil
		}
		got, err := src.regions(reqs)
		if err != nil {
			return err
		}
		for k, g := range got {
			if g != nil {
				out[idx[k]] = g
			}
		}
		reqs, idx, pass = reqs[:0], idx[:0], 0
		return nil
	}
	for i, d := range dets {
		out[i] = v
		side := float64(max(d.box.W(), d.box.H()))
		want := min(1, target/side)
		if src == nil || v.scale() >= want*0.95 {
			continue
		}
		cx, cy, half := float64(d.box.X1+d.box.X2)/2, float64(d.box.Y1+d.box.Y2)/2, 1.25*side
		r := pixRect{max(0, int(cx-half)), max(0, int(cy-half)), min(fw, int(math.Ceil(cx+half))), min(fh, int(math.Ceil(cy+half)))}
		if r.w() < 2 || r.h() < 2 {
			continue
		}
		n := 6 * int64(float64(r.w())*want+8) * int64(float64(r.h())*want+8)
		if pass+n > patchAllowance {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		reqs, idx, pass = append(reqs, regionReq{r: r, scale: want}), append(idx, i), pass+n
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// embedAll embeds the faces, concurrently when a batcher can group them, and returns the
// length each model vector had before it was normalised.
func (p *Pipeline) embedAll(ctx context.Context, faces []Face) ([]float32, error) {
	norms := make([]float32, len(faces))
	if !p.emb.dynamic || len(faces) < 2 {
		for i := range faces {
			v, n, err := p.emb.embed(ctx, faces[i].crop)
			if err != nil {
				return nil, err
			}
			faces[i].Embedding, norms[i] = v, n
		}
		return norms, nil
	}
	errs := make([]error, len(faces))
	var wg sync.WaitGroup
	for i := range faces {
		wg.Go(func() { faces[i].Embedding, norms[i], errs[i] = p.emb.embed(ctx, faces[i].crop) })
	}
	wg.Wait()
	return norms, errors.Join(errs...)
}

// Close frees the models after the calls in progress finish; later calls fail.
func (p *Pipeline) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.emb.close()
		p.lmk.close()
		p.det.close()
	})
	return nil
}
