package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/mediafleet/mediafleet/inference/facecrop"
)

// Limits of the pictures the people and results views keep.
const (
	// imagesKept is how many decoded photos they keep: a page asks for several faces of one
	// photo at once.
	imagesKept = 6
	// cropCache is how many encoded crops and frames they keep.
	cropCache = 512
)

// pictures decodes the photos and keyframes a page shows, once for concurrent requests, and
// keeps the JPEGs cut from them.
type pictures struct {
	mu    sync.Mutex
	crops map[string][]byte
	order []string

	imgMu  sync.Mutex
	images []*decoded
}

// decoded is one photo, decoded once by whichever request came first.
type decoded struct {
	path string
	once sync.Once
	img  *facecrop.Image
	err  error
}

// image returns the decoded photo at path, decoding it once for concurrent requests.
func (pc *pictures) image(path string) (*facecrop.Image, error) {
	return pc.imageOf(path, func() (*facecrop.Image, error) { return facecrop.Open(path) })
}

// imageOf returns the picture known as name, decoded by load once for concurrent requests.
func (pc *pictures) imageOf(name string, load func() (*facecrop.Image, error)) (*facecrop.Image, error) {
	path := name
	pc.imgMu.Lock()
	var d *decoded
	for _, x := range pc.images {
		if x.path == path {
			d = x
		}
	}
	if d == nil {
		d = &decoded{path: path}
		pc.images = append(pc.images, d)
		if len(pc.images) > imagesKept {
			pc.images = pc.images[1:]
		}
	}
	pc.imgMu.Unlock()
	d.once.Do(func() { d.img, d.err = load() })
	return d.img, d.err
}

func (pc *pictures) cached(key string) []byte {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.crops[key]
}

// remember keeps a JPEG, dropping the oldest past cropCache.
func (pc *pictures) remember(key string, b []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.crops == nil {
		pc.crops = map[string][]byte{}
	}
	if _, ok := pc.crops[key]; ok {
		return
	}
	pc.crops[key] = b
	pc.order = append(pc.order, key)
	if len(pc.order) > cropCache {
		delete(pc.crops, pc.order[0])
		pc.order = pc.order[1:]
	}
}

func writeJPEG(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=600")
	_, _ = w.Write(b)
}

// frameSource gives a keyframe's JPEG as the results store keeps it (store.Store is one).
type frameSource interface {
	FrameJPEG(ctx context.Context, key string, frame int) ([]byte, error)
}

// picture is the decoded photo or keyframe at path; a keyframe whose file is not on this
// machine (cut by a worker elsewhere) comes from src, when there is one.
func (pc *pictures) picture(ctx context.Context, src frameSource, key string, frame int, path string) (*facecrop.Image, error) {
	img, err := pc.image(path)
	if err == nil || frame == 0 || src == nil {
		return img, err
	}
	if _, serr := os.Stat(path); serr == nil {
		return nil, err // the file is here and does not decode
	}
	return pc.imageOf("store/"+key+"/"+strconv.Itoa(frame), func() (*facecrop.Image, error) {
		b, err := src.FrameJPEG(ctx, key, frame)
		if err != nil {
			return nil, fmt.Errorf("%s is not on this machine and the store holds no copy: %w", path, err)
		}
		return facecrop.Decode(path, b)
	})
}
