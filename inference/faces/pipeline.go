package faces

import (
	"context"
	"errors"
	"fmt"
	"image"
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
	p := &Pipeline{cfg: cfg, log: log}
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
		Str("version", cfg.Embedder.Version).Str("provider", p.det.sess.Provider()).
		Bool("dynamic_batch", p.emb.dynamic).Msg("face pipeline ready")
	return p, nil
}

// Provider is where the pipeline's models run: "CPU" or "CUDA:<id>" (all three sessions are
// made with the same device settings; this is the detector's).
func (p *Pipeline) Provider() string { return p.det.sess.Provider() }

// ModelVersion is the embedder's version string, recorded with every face.
func (p *Pipeline) ModelVersion() string { return p.cfg.Embedder.Version }

// ProcessFile decodes the image at path (JPEG with its EXIF orientation, PNG, WebP, or
// the first frame of a GIF) and processes it. Bad files (missing, empty, truncated,
// corrupt, over MaxPixels, HEIC or another format without a decoder) return an error for
// which IsPermanent is true and that names the file and the problem.
func (p *Pipeline) ProcessFile(ctx context.Context, path string) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, err := loadFile(path, p.cfg.MaxPixels)
	if err != nil {
		return nil, err
	}
	res, err := p.process(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("faces in %s: %w", path, err)
	}
	return res, nil
}

// ProcessImage processes an image that is already decoded and upright.
func (p *Pipeline) ProcessImage(ctx context.Context, img image.Image) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Empty() || int64(b.Dx())*int64(b.Dy()) > p.cfg.MaxPixels {
		return nil, fmt.Errorf("faces: image of %dx%d pixels is empty or over the limit of %d (%w)", b.Dx(), b.Dy(), p.cfg.MaxPixels, ErrPermanent)
	}
	return p.process(ctx, toRaster(img))
}

func (p *Pipeline) process(ctx context.Context, img *raster) (*Result, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	dets, err := p.det.detect(img)
	if err != nil {
		return nil, err
	}
	res := &Result{Width: img.w, Height: img.h, Faces: make([]Face, len(dets)), ModelVersion: p.ModelVersion()}
	for i, d := range dets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pts, err := p.lmk.landmarks(img, d.box)
		if err != nil {
			return nil, err
		}
		five := fivePoints(pts)
		res.Faces[i] = Face{Box: d.box, Score: d.score, Landmarks: five, ModelVersion: p.ModelVersion(),
			crop: warp(img, umeyama(five, p.template), p.cfg.Embedder.InputSize)}
	}
	if err := p.embedAll(ctx, res.Faces); err != nil {
		return nil, err
	}
	return res, nil
}

// embedAll embeds the faces, concurrently when a batcher can group them.
func (p *Pipeline) embedAll(ctx context.Context, faces []Face) error {
	if !p.emb.dynamic || len(faces) < 2 {
		for i := range faces {
			v, err := p.emb.embed(ctx, faces[i].crop)
			if err != nil {
				return err
			}
			faces[i].Embedding = v
		}
		return nil
	}
	errs := make([]error, len(faces))
	var wg sync.WaitGroup
	for i := range faces {
		wg.Go(func() { faces[i].Embedding, errs[i] = p.emb.embed(ctx, faces[i].crop) })
	}
	wg.Wait()
	return errors.Join(errs...)
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
