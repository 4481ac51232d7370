package faceeval

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"

	// The decoders of the set's files.
	_ "image/png"
)

//go:embed labels.json
var labelsJSON []byte

// The categories of the report, in its order.
const (
	People     = "people"
	SmallFaces = "small faces"
	Animals    = "animals"
	Objects    = "objects"
)

// Categories lists the report's rows in order.
var Categories = []string{People, SmallFaces, Animals, Objects}

// Image is one labelled picture: its file, category, the faces in it and regions where
// detections count neither way.
type Image struct {
	File     string       `json:"file"`
	Category string       `json:"category"`
	Faces    [][4]float32 `json:"faces"`
	Ignore   [][4]float32 `json:"ignore"`
}

// composed is a picture made at run time from a background and faces of labelled photos.
type composed struct {
	File       string `json:"file"`
	Category   string `json:"category"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Background string `json:"background"`
	Faces      []struct {
		From  string `json:"from"`
		Face  int    `json:"face"`
		Width int    `json:"width"`
		X     int    `json:"x"`
		Y     int    `json:"y"`
	} `json:"faces"`
}

type labels struct {
	Images   []Image    `json:"images"`
	Composed []composed `json:"composed"`
}

// Set is the evaluation set on disk: the package pictures in Dir and the composed ones in
// a folder of its own.
type Set struct {
	Images []Image // File is a full path
}

// Load reads the labels, checks that every picture is in dir (the cache's evalset folder),
// and composes the group photos into work (a folder the caller owns).
func Load(dir, work string) (*Set, error) {
	var l labels
	if err := json.Unmarshal(labelsJSON, &l); err != nil {
		return nil, fmt.Errorf("faceeval labels: %w", err)
	}
	byFile := map[string]Image{}
	set := &Set{}
	for _, im := range l.Images {
		path := filepath.Join(dir, im.File)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("evaluation picture %s is missing (run `go tool task setup` to fetch the set): %w", path, err)
		}
		byFile[im.File] = im
		im.File = path
		set.Images = append(set.Images, im)
	}
	for _, c := range l.Composed {
		im, err := compose(c, dir, work, byFile)
		if err != nil {
			return nil, fmt.Errorf("composing %s: %w", c.File, err)
		}
		set.Images = append(set.Images, im)
	}
	return set, nil
}

// compose enlarges the background to the frame and pastes each face with its surroundings
// (twice the labelled box's size) scaled so the face is the given width.
func compose(c composed, dir, work string, byFile map[string]Image) (Image, error) {
	bg, err := readImage(filepath.Join(dir, c.Background))
	if err != nil {
		return Image{}, err
	}
	canvas := image.NewRGBA(image.Rect(0, 0, c.Width, c.Height))
	draw.BiLinear.Scale(canvas, canvas.Bounds(), bg, bg.Bounds(), draw.Src, nil)
	out := Image{File: filepath.Join(work, c.File), Category: c.Category}
	for _, f := range c.Faces {
		src, ok := byFile[f.From]
		if !ok || f.Face >= len(src.Faces) {
			return Image{}, fmt.Errorf("face %d of %s is not labelled", f.Face, f.From)
		}
		img, err := readImage(filepath.Join(dir, f.From))
		if err != nil {
			return Image{}, err
		}
		b := src.Faces[f.Face]
		bw, bh := b[2]-b[0], b[3]-b[1]
		from := image.Rect(int(b[0]-bw/2), int(b[1]-bh/2), int(b[2]+bw/2), int(b[3]+bh/2)).Intersect(img.Bounds())
		k := float32(f.Width) / bw
		to := image.Rect(f.X, f.Y, f.X+int(float32(from.Dx())*k), f.Y+int(float32(from.Dy())*k))
		draw.CatmullRom.Scale(canvas, to, img, from, draw.Src, nil)
		x1 := float32(f.X) + (b[0]-float32(from.Min.X))*k
		y1 := float32(f.Y) + (b[1]-float32(from.Min.Y))*k
		out.Faces = append(out.Faces, [4]float32{x1, y1, x1 + bw*k, y1 + bh*k})
	}
	file, err := os.Create(out.File)
	if err != nil {
		return Image{}, err
	}
	err = jpeg.Encode(file, canvas, &jpeg.Options{Quality: 90})
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return out, err
}

func readImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
