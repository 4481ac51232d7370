package faces

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
)

// sample is an image of the sample set with the people in it, left to right.
type sample struct {
	path   string
	people []string
}

// samples are the sample photos and Megamind's keyframes with the faces counted by eye
// (the first keyframe is black; the second has Roxanne and a diner behind her; the third
// and fifth show the same man, the third with the back of another head that shows no face).
func samples(t *testing.T) []sample {
	k := keyframes(t)
	return []sample{
		{testenv.Sample(t, "astronaut.png"), []string{"astronaut"}},
		{testenv.Sample(t, "messi5.jpg"), []string{"messi"}},
		{k[0], nil},
		{k[1], []string{"roxanne", "diner"}},
		{k[2], []string{"hal"}},
		{k[3], []string{"roxanne"}},
		{k[4], []string{"hal"}},
	}
}

func TestFacesInSamples(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	for _, s := range samples(t) {
		res, err := p.ProcessFile(context.Background(), s.path)
		require.NoError(t, err, s.path)
		require.Len(t, res.Faces, len(s.people), "faces in %s", s.path)
		require.Equal(t, p.ModelVersion(), res.ModelVersion)
		for _, f := range res.Faces {
			checkFace(t, s.path, res, f)
		}
	}
}

// checkFace asserts what must hold for any detected face: a box inside the image, the
// five points inside the box in anatomical order, a unit-length 512-d embedding.
func checkFace(t *testing.T, path string, res *Result, f Face) {
	t.Helper()
	b := f.Box
	require.True(t, b.X1 >= 0 && b.Y1 >= 0 && b.X2 <= float32(res.Width) && b.Y2 <= float32(res.Height), "%s: box %+v outside %dx%d", path, b, res.Width, res.Height)
	require.GreaterOrEqual(t, min(b.W(), b.H()), float32(20), "%s: box %+v under MinFaceSize", path, b)
	require.GreaterOrEqual(t, f.Score, float32(0.7))
	for _, pt := range f.Landmarks {
		require.True(t, pt.X >= b.X1 && pt.X <= b.X2 && pt.Y >= b.Y1 && pt.Y <= b.Y2, "%s: landmark %+v outside box %+v", path, pt, b)
	}
	eyeL, eyeR, nose, mouthL, mouthR := f.Landmarks[0], f.Landmarks[1], f.Landmarks[2], f.Landmarks[3], f.Landmarks[4]
	require.Less(t, eyeL.X, eyeR.X, "%s: eyes in order", path)
	require.Less(t, mouthL.X, mouthR.X, "%s: mouth corners in order", path)
	require.Less(t, max(eyeL.Y, eyeR.Y), nose.Y, "%s: eyes above the nose tip", path)
	require.Less(t, nose.Y, max(mouthL.Y, mouthR.Y), "%s: nose tip above the mouth", path)
	require.Len(t, f.Embedding, 512)
	var ss float64
	for _, v := range f.Embedding {
		ss += float64(v) * float64(v)
	}
	require.InDelta(t, 1, ss, 1e-4)
	require.True(t, strings.HasPrefix(f.ModelVersion, "frfeat-v1-"), f.ModelVersion)
}

// TestAstronautLandmarks checks the landmark coordinate convention against where the
// astronaut's eyes, nose and mouth are in astronaut.png (read off the image by eye).
func TestAstronautLandmarks(t *testing.T) {
	t.Parallel()
	res, err := defaultPipeline(t).ProcessFile(context.Background(), testenv.Sample(t, "astronaut.png"))
	require.NoError(t, err)
	require.Len(t, res.Faces, 1)
	want := [5]Point{{204, 100}, {247, 103}, {225, 127}, {204, 140}, {244, 142}}
	for i, pt := range res.Faces[0].Landmarks {
		require.InDelta(t, want[i].X, pt.X, 5, "point %d", i)
		require.InDelta(t, want[i].Y, pt.Y, 5, "point %d", i)
	}
}

// readRGBA decodes the image at path into an RGBA image.
func readRGBA(t testing.TB, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	src, _, err := image.Decode(f)
	require.NoError(t, err)
	img := image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), src.Bounds().Dy()))
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	return img
}

// variant writes the image at path mirrored, scaled by 0.8 and re-encoded as JPEG.
func variant(t *testing.T, path string) (string, int) {
	src := readRGBA(t, path)
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	mirrored := image.NewRGBA(src.Bounds())
	for y := range h {
		for x := range w {
			copy(mirrored.Pix[y*mirrored.Stride+4*(w-1-x):][:4], src.Pix[y*src.Stride+4*x:][:4])
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w*4/5, h*4/5))
	draw.CatmullRom.Scale(dst, dst.Bounds(), mirrored, mirrored.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}))
	out := filepath.Join(t.TempDir(), "variant-"+filepath.Base(path)+".jpg")
	require.NoError(t, os.WriteFile(out, buf.Bytes(), 0o644))
	return out, w
}

// TestEmbeddingsTellPeopleApart: each face is closer to itself mirrored, scaled and
// re-encoded than to any other person's face in the samples, by a clear margin; and the
// same character in two keyframes is closer than any two different people.
func TestEmbeddingsTellPeopleApart(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	ctx := context.Background()
	type face struct {
		who     string
		emb     []float32
		variant []float32
	}
	var all []face
	for _, s := range samples(t) {
		if len(s.people) == 0 {
			continue
		}
		res, err := p.ProcessFile(ctx, s.path)
		require.NoError(t, err)
		require.Len(t, res.Faces, len(s.people))
		vpath, width := variant(t, s.path)
		vres, err := p.ProcessFile(ctx, vpath)
		require.NoError(t, err)
		for i, f := range byX(res.Faces) {
			// Where the face lands in the variant: mirrored, then scaled by 0.8.
			want := Box{X1: (float32(width) - f.Box.X2) * 0.8, Y1: f.Box.Y1 * 0.8, X2: (float32(width) - f.Box.X1) * 0.8, Y2: f.Box.Y2 * 0.8}
			best, bestIoU := -1, float32(0.5)
			for j, v := range vres.Faces {
				if o := iou(want, v.Box); o > bestIoU {
					best, bestIoU = j, o
				}
			}
			require.GreaterOrEqual(t, best, 0, "%s: %s not found in the variant", s.path, s.people[i])
			all = append(all, face{s.people[i], f.Embedding, vres.Faces[best].Embedding})
		}
	}
	const margin = 0.15 // smallest margin measured: 0.17 (Hal, keyframe 3)
	minMargin := float32(math.Inf(1))
	for _, a := range all {
		self := Cosine(a.emb, a.variant)
		other := float32(-1)
		for _, b := range all {
			if b.who != a.who {
				other = max(other, Cosine(a.emb, b.emb), Cosine(a.emb, b.variant))
			}
		}
		minMargin = min(minMargin, self-other)
		require.Greater(t, self-other, float32(margin), "%s: itself varied %.3f, nearest other person %.3f", a.who, self, other)
	}
	t.Logf("smallest margin between a face's variant and another person: %.3f", minMargin)

	// Roxanne (keyframes 2 and 4) and Hal (3 and 5) against every pair of different people.
	var sameMin, diffMax float32 = 1, -1
	for i, a := range all {
		for _, b := range all[i+1:] {
			c := Cosine(a.emb, b.emb)
			if a.who == b.who {
				sameMin = min(sameMin, c)
			} else {
				diffMax = max(diffMax, c)
			}
		}
	}
	t.Logf("same character across keyframes: >= %.3f; different people: <= %.3f", sameMin, diffMax)
	require.Greater(t, sameMin-diffMax, float32(0.15), "measured: same >= 0.685, different <= 0.418")
}

// TestConcurrentCallsMatchSequential runs many images at once from many goroutines.
func TestConcurrentCallsMatchSequential(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	ctx := context.Background()
	paths := []string{testenv.Sample(t, "astronaut.png"), testenv.Sample(t, "messi5.jpg")}
	want := map[string][]float32{}
	for _, path := range paths {
		res, err := p.ProcessFile(ctx, path)
		require.NoError(t, err)
		want[path] = res.Faces[0].Embedding
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			path := paths[i%2]
			res, err := p.ProcessFile(ctx, path)
			if err == nil && (len(res.Faces) != 1 || Cosine(res.Faces[0].Embedding, want[path]) < 0.9999) {
				err = os.ErrInvalid
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestProcessImageMatchesProcessFile(t *testing.T) {
	t.Parallel()
	p := defaultPipeline(t)
	path := testenv.Sample(t, "messi5.jpg")
	img := readRGBA(t, path)
	a, err := p.ProcessImage(context.Background(), img)
	require.NoError(t, err)
	b, err := p.ProcessFile(context.Background(), path)
	require.NoError(t, err)
	require.Len(t, a.Faces, 1)
	require.Len(t, b.Faces, 1)
	// Go's JPEG decoder (readRGBA) and libjpeg-turbo (ProcessFile) differ by a level or two
	// in places (chroma upsampling), so the two embeddings differ a little.
	require.Greater(t, Cosine(a.Faces[0].Embedding, b.Faces[0].Embedding), float32(0.98))
}

func TestSaveCrop(t *testing.T) {
	t.Parallel()
	res, err := defaultPipeline(t).ProcessFile(context.Background(), testenv.Sample(t, "astronaut.png"))
	require.NoError(t, err)
	for _, name := range []string{"face.png", "face.jpg"} {
		path := filepath.Join(t.TempDir(), name)
		require.NoError(t, res.Faces[0].SaveCrop(path))
		f, err := os.Open(path)
		require.NoError(t, err)
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		require.Equal(t, 112, cfg.Width)
		require.Equal(t, 112, cfg.Height)
	}
	require.Error(t, (&Face{}).SaveCrop(filepath.Join(t.TempDir(), "none.png")))
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := defaultPipeline(t).ProcessFile(ctx, testenv.Sample(t, "messi5.jpg"))
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, IsPermanent(err))
}
