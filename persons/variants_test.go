package persons_test

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/internal/testenv"
)

// labelled is one face of testdata/identities.csv.
type labelled struct {
	identity, image string
	box             [4]float64 // x1, y1, x2, y2
}

func readIdentities(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "identities.csv"))
	require.NoError(t, err)
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	recs, err := r.ReadAll()
	require.NoError(t, err)
	var out []labelled
	for _, rec := range recs[1:] {
		l := labelled{identity: rec[0], image: rec[1]}
		for i := range 4 {
			l.box[i], err = strconv.ParseFloat(rec[2+i], 64)
			require.NoError(t, err)
		}
		out = append(out, l)
	}
	return out
}

// loadImage decodes an image of the setup cache.
func loadImage(t *testing.T, rel string) *image.RGBA {
	t.Helper()
	p := filepath.Join(testenv.CacheDir(), filepath.FromSlash(rel))
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("labelled image %s is missing (%v): run `%s`", p, err, testenv.SetupHint)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	return toRGBA(img)
}

// variant is one made-up photo of a labelled face, and where the face's centre landed in it.
type variant struct {
	img            image.Image
	cx, cy, faceW  float64
	quality        int
	mirror         bool
	rotDeg, bright float64
}

// makeVariant builds another photo of the face the way the same person turns up again in a
// library: framed differently (a region 2 to 3.5 face widths across, off-centre), at another
// scale (the face 60 to 160 px wide, never more than 1.6 times its size in the source),
// mirrored half the time, turned up to 12 degrees, brighter or darker, with more or less
// contrast, and saved as a JPEG of quality 35 to 92.
func makeVariant(src *image.RGBA, box [4]float64, r *rand.Rand) variant {
	fw := box[2] - box[0]
	fcx, fcy := (box[0]+box[2])/2, (box[1]+box[3])/2
	span := fw * (2 + 1.5*r.Float64())
	targetW := min(60+100*r.Float64(), 1.6*fw)
	scale := targetW / fw // output px per source px
	size := int(span * scale)
	offX, offY := (r.Float64()-0.5)*0.6*fw, (r.Float64()-0.5)*0.6*fw
	rot := (r.Float64()*2 - 1) * 12 * math.Pi / 180
	mirror := r.IntN(2) == 0
	bright := 0.65 + 0.7*r.Float64()
	contrast := 0.8 + 0.4*r.Float64()
	quality := 35 + r.IntN(58)
	out := image.NewRGBA(image.Rect(0, 0, size, size))
	sb := src.Bounds()
	// Output centre shows source point (fcx+offX, fcy+offY); the face centre lands elsewhere.
	ocx, ocy := float64(size)/2, float64(size)/2
	cos, sin := math.Cos(rot), math.Sin(rot)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := (float64(x)+0.5-ocx)/scale, (float64(y)+0.5-ocy)/scale
			if mirror {
				dx = -dx
			}
			sx := fcx + offX + cos*dx - sin*dy
			sy := fcy + offY + sin*dx + cos*dy
			c := bilinear(src, sb, sx, sy)
			o := out.PixOffset(x, y)
			for i := range 3 {
				v := (c[i]-128)*contrast + 128
				out.Pix[o+i] = uint8(max(0, min(255, math.Round(v*bright))))
			}
			out.Pix[o+3] = 255
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, out, &jpeg.Options{Quality: quality})
	img, _ := jpeg.Decode(&buf)
	// Where the face centre lands: invert the mapping for (fcx, fcy).
	dx, dy := -offX, -offY
	ux := cos*dx + sin*dy
	uy := -sin*dx + cos*dy
	if mirror {
		ux = -ux
	}
	return variant{img: img, cx: ocx + ux*scale, cy: ocy + uy*scale, faceW: targetW, quality: quality, mirror: mirror,
		rotDeg: rot * 180 / math.Pi, bright: bright}
}

// bilinear samples src at (x, y), edges extended.
func bilinear(src *image.RGBA, b image.Rectangle, x, y float64) [3]float64 {
	x -= 0.5
	y -= 0.5
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(px, py int) []uint8 {
		px = max(b.Min.X, min(b.Max.X-1, b.Min.X+px))
		py = max(b.Min.Y, min(b.Max.Y-1, b.Min.Y+py))
		o := src.PixOffset(px, py)
		return src.Pix[o : o+3]
	}
	a, c, d, e := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
	var out [3]float64
	for i := range 3 {
		out[i] = float64(a[i])*(1-fx)*(1-fy) + float64(c[i])*fx*(1-fy) + float64(d[i])*(1-fx)*fy + float64(e[i])*fx*fy
	}
	return out
}

// toRGBA converts an image to RGBA once, for fast sampling.
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	return out
}
