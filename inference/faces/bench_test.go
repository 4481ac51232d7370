package faces

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	xdraw "golang.org/x/image/draw"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/inference/ort"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

// benchImages are the sample photos and Megamind's five keyframes: 7 images, 7 faces.
func benchImages(b *testing.B) []string {
	return append([]string{testenv.Sample(b, "astronaut.png"), testenv.Sample(b, "messi5.jpg")}, keyframes(b)...)
}

// bareRuns are pre-made tensors for the model runs one image needs: one detection per
// planned tile, four landmark runs (the crop and its mirror, twice) per detection and one
// embedding per stored face, with the pipeline's own preprocessed inputs. Faces the second
// check turned away after their embedding are not counted, so the bare side is if anything
// a little faster than the pipeline's real work.
type bareRuns struct {
	det           []*detBufs
	lmIn, lmOut   []*ort.Tensor
	embIn, embOut []*ort.Tensor
}

func newBareRuns(b *testing.B, p *Pipeline, path string) *bareRuns {
	img, err := loadFile(path, p.cfg.MaxPixels)
	require.NoError(b, err)
	r := &bareRuns{}
	b.Cleanup(func() {
		for _, d := range r.det {
			d.in.Close()
			d.scores.Close()
			d.boxes.Close()
		}
		for _, ts := range [][]*ort.Tensor{r.lmIn, r.lmOut, r.embIn, r.embOut} {
			for _, t := range ts {
				t.Close()
			}
		}
	})
	v := wholePatch(img, img.w, img.h)
	tiles := p.det.tiles(img.w, img.h, p.cfg.MinFacePx)
	for _, t := range tiles {
		d, err := p.det.newBufs()
		require.NoError(b, err)
		resample(img, t.r, p.det.w, p.det.h, d.rgb)
		planar(d.rgb, d.in.Data(), p.det.w*p.det.h, [3]int{0, 1, 2}, [3]float32{127, 127, 127}, [3]float32{128, 128, 128})
		r.det = append(r.det, d)
	}
	dets, err := p.det.detectAll(v, img.w, img.h, tiles)
	require.NoError(b, err)
	res, err := p.process(context.Background(), v, img.w, img.h, nil)
	require.NoError(b, err)
	for range 4 * len(dets) {
		in, err := ort.NewTensor(1, 1, 64, 64)
		require.NoError(b, err)
		out, err := ort.NewTensor(1, 136)
		require.NoError(b, err)
		r.lmIn, r.lmOut = append(r.lmIn, in), append(r.lmOut, out)
	}
	for _, f := range res.Faces {
		eb, err := p.emb.newBufs(1)
		require.NoError(b, err)
		p.emb.preprocess(f.crop, eb.in.Data())
		r.embIn, r.embOut = append(r.embIn, eb.in), append(r.embOut, eb.out)
	}
	return r
}

func decodeFile(b *testing.B, path string) image.Image {
	f, err := os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(b, err)
	return img
}

func (r *bareRuns) run(p *Pipeline) error {
	for _, d := range r.det {
		if err := p.det.sess.Run([]*ort.Tensor{d.in}, []*ort.Tensor{d.scores, d.boxes}); err != nil {
			return err
		}
	}
	for i := range r.lmIn {
		if err := p.lmk.sess.Run([]*ort.Tensor{r.lmIn[i]}, []*ort.Tensor{r.lmOut[i]}); err != nil {
			return err
		}
	}
	for i := range r.embIn {
		if err := p.emb.sess.Run([]*ort.Tensor{r.embIn[i]}, []*ort.Tensor{r.embOut[i]}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkProcessFile measures whole-image throughput (decode, detect over the pyramid's
// tiles, landmarks, check, align, embed) against the bare model runs for the same images,
// timed in the same iterations, with one stream at 1 and 2 intra-op threads and with one
// stream per core at 1 thread, on the small samples and on 12-megapixel phone photos.
// ratio is bare time over ProcessFile time; ratio-predecoded is bare time over
// ProcessImage time on images decoded beforehand (everything but the file decoders);
// defaults-vs-single-pass is the old single pass's time over the defaults' (what the
// pyramid and the check cost), single-pass-images/s the single pass's own rate.
func BenchmarkProcessFile(b *testing.B) {
	b.Run("samples", func(b *testing.B) { benchProcessFile(b, benchImages(b)) })
	b.Run("12mp", func(b *testing.B) { benchProcessFile(b, phonePhotos(b)) })
}

func benchProcessFile(b *testing.B, images []string) {
	for _, mode := range []struct {
		name             string
		streams, threads int
	}{
		{"serial/threads=1", 1, 1},
		{"serial/threads=2", 1, 2},
		{fmt.Sprintf("parallel=%d/threads=1", runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0), 1},
	} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := DefaultConfig(testenv.ModelsDir(b))
			cfg.IntraOpThreads = mode.threads
			p := newPipeline(b, cfg)
			bare := make([][]*bareRuns, mode.streams)
			for s := range bare {
				for _, path := range images {
					bare[s] = append(bare[s], newBareRuns(b, p, path))
				}
			}
			decoded := make([]image.Image, len(images))
			for i, path := range images {
				decoded[i] = decodeFile(b, path)
			}
			ctx := context.Background()
			// each runs fn once per image on every stream at once and returns the elapsed time.
			each := func(fn func(stream, i int) error) time.Duration {
				start := time.Now()
				var wg sync.WaitGroup
				errs := make([]error, mode.streams)
				for s := range mode.streams {
					wg.Go(func() {
						for i := range images {
							if err := fn(s, i); err != nil {
								errs[s] = err
								return
							}
						}
					})
				}
				wg.Wait()
				for _, err := range errs {
					require.NoError(b, err)
				}
				return time.Since(start)
			}
			single := newPipeline(b, singlePass(cfg))
			var tBare, tPipe, tDecoded, tSingle time.Duration
			b.ResetTimer()
			for range b.N {
				tBare += each(func(s, i int) error { return bare[s][i].run(p) })
				tPipe += each(func(s, i int) error { _, err := p.ProcessFile(ctx, images[i]); return err })
				tDecoded += each(func(s, i int) error { _, err := p.ProcessImage(ctx, decoded[i]); return err })
				tSingle += each(func(s, i int) error { _, err := single.ProcessFile(ctx, images[i]); return err })
			}
			n := float64(b.N * mode.streams * len(images))
			b.ReportMetric(n/tPipe.Seconds(), "images/s")
			b.ReportMetric(n/tBare.Seconds(), "bare-images/s")
			b.ReportMetric(tBare.Seconds()/tPipe.Seconds(), "ratio")
			b.ReportMetric(tBare.Seconds()/tDecoded.Seconds(), "ratio-predecoded")
			b.ReportMetric(n/tSingle.Seconds(), "single-pass-images/s")
			b.ReportMetric(tSingle.Seconds()/tPipe.Seconds(), "defaults-vs-single-pass")
		})
	}
}

// BenchmarkBatcher compares, on fr_feature patched to a dynamic batch, eight faces embedded
// one Run each (batch 1) against the same eight faces handed to the micro-batcher by eight
// concurrent callers (one Run of batch 8), and against one bare Run of batch 8 (the model's
// own gain, without the batcher). All include preprocessing.
func BenchmarkBatcher(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) { benchBatcher(b, threads) })
	}
}

func benchBatcher(b *testing.B, threads int) {
	cfg := DefaultConfig(testenv.ModelsDir(b))
	cfg.Embedder = dynamicFeature(b)
	cfg.IntraOpThreads = threads
	cfg.Batch = BatchConfig{MaxBatch: 8, MaxWait: 50 * time.Millisecond}
	p := newPipeline(b, cfg)
	require.True(b, p.emb.dynamic)
	var crops []*raster
	for _, path := range benchImages(b) {
		res, err := p.ProcessFile(context.Background(), path)
		require.NoError(b, err)
		for _, f := range res.Faces {
			crops = append(crops, f.crop)
		}
	}
	for len(crops) < 8 {
		crops = append(crops, crops[0])
	}
	crops = crops[:8]
	one, err := p.emb.newBufs(1)
	require.NoError(b, err)
	defer one.close()
	eight, err := p.emb.newBufs(8)
	require.NoError(b, err)
	defer eight.close()
	ctx := context.Background()
	var tOne, tBatcher, tEight time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		for _, c := range crops {
			p.emb.preprocess(c, one.in.Data())
			require.NoError(b, p.emb.sess.Run([]*ort.Tensor{one.in}, []*ort.Tensor{one.out}))
		}
		tOne += time.Since(start)

		start = time.Now()
		var wg sync.WaitGroup
		errs := make([]error, len(crops))
		for i, c := range crops {
			wg.Go(func() { _, _, errs[i] = p.emb.embed(ctx, c) })
		}
		wg.Wait()
		tBatcher += time.Since(start)
		for _, err := range errs {
			require.NoError(b, err)
		}

		start = time.Now()
		l := p.emb.inputLen()
		for i, c := range crops {
			p.emb.preprocess(c, eight.in.Data()[i*l:(i+1)*l])
		}
		require.NoError(b, p.emb.sess.Run([]*ort.Tensor{eight.in}, []*ort.Tensor{eight.out}))
		tEight += time.Since(start)
	}
	n := float64(b.N * len(crops))
	b.ReportMetric(n/tBatcher.Seconds(), "batcher8-items/s")
	b.ReportMetric(n/tEight.Seconds(), "bare8-items/s")
	b.ReportMetric(n/tOne.Seconds(), "batch1-items/s")
	b.ReportMetric(tOne.Seconds()/tBatcher.Seconds(), "speedup")
}

// singlePass is cfg as detection was before the pyramid and the second check.
func singlePass(cfg Config) Config {
	cfg.MinFacePx, cfg.Check = 0, CheckConfig{}
	return cfg
}

// phonePhotos makes 4000x3000 JPEGs as phones store them (4:2:0, quality 92, stored on
// their side with EXIF orientation 6) from the astronaut and Messi samples.
func phonePhotos(b *testing.B) []string {
	dir := b.TempDir()
	var out []string
	for _, name := range []string{"astronaut.png", "messi5.jpg"} {
		src := readRGBA(b, testenv.Sample(b, name))
		up := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
		xdraw.CatmullRom.Scale(up, up.Bounds(), src, src.Bounds(), xdraw.Src, nil)
		side := image.NewRGBA(image.Rect(0, 0, 3000, 4000)) // stored a quarter turn anticlockwise
		for y := range 4000 {
			for x := range 3000 {
				copy(side.Pix[y*side.Stride+4*x:][:4], up.Pix[x*up.Stride+4*(3999-y):][:4])
			}
		}
		var buf bytes.Buffer
		require.NoError(b, jpeg.Encode(&buf, side, &jpeg.Options{Quality: 92}))
		path := filepath.Join(dir, name+".12mp.jpg")
		require.NoError(b, os.WriteFile(path, withEXIF(buf.Bytes(), exifSegment(binary.BigEndian, 6)), 0o644))
		out = append(out, path)
	}
	return out
}
