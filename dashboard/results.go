package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/facecrop"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/facesearch"
	"github.com/mediafleet/mediafleet/tasks"
)

//go:embed results.html
var resultsFS embed.FS

// Settings of the results view.
const (
	// resultsListed is how many files the results list shows.
	resultsListed = 60
	// nearestShown is how many nearest stored faces a face shows.
	nearestShown = 6
	// frameEdge is the longest side of a photo or keyframe as the view shows it.
	frameEdge  = 1280
	frameJPEG  = 85
	alignedPx  = 160
	alignedJPG = 90
)

// ResultStore is what the results view reads; store.Store is one.
type ResultStore interface {
	Recent(ctx context.Context, match string, limit int) ([]store.RecentAsset, error)
	ShowKey(ctx context.Context, key string) (*store.AssetView, error)
	// FrameJPEG is a keyframe's picture as the store keeps it, for frames cut on another machine.
	FrameJPEG(ctx context.Context, key string, frame int) ([]byte, error)
	facesearch.StampedSource
}

// resultsPages serves the results view: a list of files with results, one file's frames with
// their face boxes, aligned crops, captions and each face's nearest stored faces.
type resultsPages struct {
	st      ResultStore
	faces   *facesearch.Index // the stored faces, kept in memory for the nearest-face search
	version string
	page    *template.Template
	pictures
}

func newResultsPages(st ResultStore, facesVersion string) (*resultsPages, error) {
	t, err := template.New("results.html").Funcs(template.FuncMap{
		"monitoring": func() string { return MonitoringPath + "/" },
		"when":       func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04:05") },
		"pct":        func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) + "%" },
	}).ParseFS(resultsFS, "results.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: results page template: %w", err)
	}
	return &resultsPages{st: st, faces: facesearch.NewIndex(st), version: facesVersion, page: t}, nil
}

func (rp *resultsPages) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /results", rp.serveList)
	mux.HandleFunc("GET /results/file", rp.serveFile)
	mux.HandleFunc("GET /results/frame", rp.serveFrame)
	mux.HandleFunc("GET /results/face", rp.serveFace)
	mux.HandleFunc("GET /api/results", rp.serveListJSON)
	mux.HandleFunc("GET /api/results/file", rp.serveFileJSON)
}

// resultsData is the results page's template input: the list, or one file.
type resultsData struct {
	Query   string
	List    []store.RecentAsset
	File    *fileView
	Problem string
}

// fileView is one file as the results view shows it.
type fileView struct {
	Key, Path, Media string
	// FacesVersion is the face model version whose faces are shown.
	FacesVersion string       `json:"faces_version"`
	Frames       []*frameView `json:"frames"`
}

// frameView is a photo, or one keyframe of a video, with what was found in it.
type frameView struct {
	Frame int    `json:"frame"`
	Label string `json:"label"`
	// ImageURL shows the frame; empty when no image of it is known or readable here.
	ImageURL string `json:"image_url"`
	// Unreadable says why the frame's file cannot be shown here (made on another machine,
	// moved, deleted).
	Unreadable string `json:"unreadable,omitempty"`
	// Scanned says faces were searched for in it (with FacesVersion).
	Scanned  bool                  `json:"scanned"`
	Faces    []*faceView           `json:"faces"`
	Captions []store.CaptionResult `json:"captions"`
}

// faceView is one face with its box as percentages of the frame and its nearest faces.
type faceView struct {
	ID      string     `json:"id"`
	Index   int        `json:"index"`
	Score   float32    `json:"score"`
	BBox    [4]float32 `json:"bbox"`
	Left    float64    `json:"left_pct"`
	Top     float64    `json:"top_pct"`
	Width   float64    `json:"width_pct"`
	Height  float64    `json:"height_pct"`
	CropURL string     `json:"crop_url"`
	Nearest []nearView `json:"nearest"`
}

// nearView is one stored face near a face of the file, linking to its own file.
type nearView struct {
	Path    string  `json:"path"`
	Frame   int     `json:"frame"`
	Score   float32 `json:"score"`
	FileURL string  `json:"file_url"`
	CropURL string  `json:"crop_url"`
}

func faceID(frame, index int) string { return fmt.Sprintf("face-%d-%d", frame, index) }

func faceURL(key, version string, frame, index int) string {
	q := url.Values{"asset": {key}, "frame": {strconv.Itoa(frame)}, "index": {strconv.Itoa(index)}, "version": {version}}
	return "/results/face?" + q.Encode()
}

func fileURL(key string) string { return "/results/file?" + url.Values{"asset": {key}}.Encode() }

// facesVersion picks the face model version to show for an asset: the configured one when
// it was searched with it, else the one of its latest scan.
func (rp *resultsPages) facesVersion(v *store.AssetView) string {
	last := ""
	for _, s := range v.FaceScans {
		if s.ModelVersion == rp.version {
			return rp.version
		}
		last = s.ModelVersion
	}
	if last == "" {
		return rp.version
	}
	return last
}

// framePath is the file the frame's pixels are in: the image its faces were searched in,
// else its keyframe, else (a photo) the asset itself; empty when unknown.
func framePath(v *store.AssetView, version string, frame int) string {
	for _, s := range v.FaceScans {
		if s.Frame == frame && s.ModelVersion == version && s.Image != "" {
			return s.Image
		}
	}
	for _, k := range v.Keyframes {
		if k.Index == frame {
			return k.Path
		}
	}
	if frame == 0 && v.Media != "video" {
		return v.Path
	}
	for _, s := range v.FaceScans {
		if s.Frame == frame && s.Image != "" {
			return s.Image
		}
	}
	return ""
}

// view builds one file's view, its faces' nearest stored faces included.
func (rp *resultsPages) view(ctx context.Context, v *store.AssetView) (*fileView, error) {
	version := rp.facesVersion(v)
	fv := &fileView{Key: v.Key, Path: v.Path, Media: v.Media, FacesVersion: version}
	frames := map[int]*frameView{}
	frame := func(n int) *frameView {
		if f, ok := frames[n]; ok {
			return f
		}
		f := &frameView{Frame: n, Label: "photo", Faces: []*faceView{}, Captions: []store.CaptionResult{}}
		if n > 0 || v.Media == "video" {
			f.Label = fmt.Sprintf("keyframe %d", n)
		}
		if path := framePath(v, version, n); path != "" {
			if err := rp.readable(ctx, v.Key, n, path); err != nil {
				f.Unreadable = err.Error()
			} else {
				f.ImageURL = fmt.Sprintf("/results/frame?%s", url.Values{"asset": {v.Key}, "frame": {strconv.Itoa(n)}}.Encode())
			}
		}
		frames[n] = f
		fv.Frames = append(fv.Frames, f)
		return f
	}
	for _, k := range v.Keyframes {
		frame(k.Index).Label = fmt.Sprintf("keyframe %d · %.1f s", k.Index, k.Timestamp)
	}
	size := map[int][2]int{}
	for _, s := range v.FaceScans {
		if s.ModelVersion == version {
			frame(s.Frame).Scanned = true
			size[s.Frame] = [2]int{s.Width, s.Height}
		}
	}
	var byQuery []*faceView
	for _, f := range v.Faces {
		if f.ModelVersion != version {
			continue
		}
		face := &faceView{ID: faceID(f.Frame, f.Index), Index: f.Index, Score: f.Score, BBox: f.BBox,
			CropURL: faceURL(v.Key, version, f.Frame, f.Index), Nearest: []nearView{}}
		if wh := size[f.Frame]; wh[0] > 0 && wh[1] > 0 {
			w, h := float64(wh[0]), float64(wh[1])
			face.Left, face.Top = 100*float64(f.BBox[0])/w, 100*float64(f.BBox[1])/h
			face.Width, face.Height = 100*float64(f.BBox[2]-f.BBox[0])/w, 100*float64(f.BBox[3]-f.BBox[1])/h
		}
		fr := frame(f.Frame)
		if fr.Unreadable != "" {
			face.CropURL = ""
		}
		fr.Faces = append(fr.Faces, face)
		if len(f.Embedding) > 0 {
			byQuery = append(byQuery, face)
		}
	}
	for _, c := range v.Captions {
		fr := frame(c.Frame)
		fr.Captions = append(fr.Captions, c)
	}
	if len(fv.Frames) == 0 {
		frame(0)
	}
	slices.SortFunc(fv.Frames, func(a, b *frameView) int { return a.Frame - b.Frame })
	matches, err := facesearch.Nearest(ctx, rp.faces, version, facesearch.StoredQueries(v, version), nearestShown)
	if err != nil {
		return fv, err
	}
	for _, m := range matches {
		byQuery[m.QueryFace].Nearest = append(byQuery[m.QueryFace].Nearest, nearView{Path: m.Path, Frame: m.Frame,
			Score: m.Score, FileURL: fileURL(m.AssetKey) + "#" + faceID(m.Frame, m.Face),
			CropURL: faceURL(m.AssetKey, version, m.Frame, m.Face)})
	}
	return fv, nil
}

func (rp *resultsPages) render(w http.ResponseWriter, d resultsData) {
	var buf bytes.Buffer
	if err := rp.page.Execute(&buf, d); err != nil {
		http.Error(w, "rendering the results page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (rp *resultsPages) serveList(w http.ResponseWriter, r *http.Request) {
	d := resultsData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	list, err := rp.st.Recent(r.Context(), d.Query, resultsListed)
	if err != nil {
		d.Problem = err.Error()
	}
	d.List = list
	rp.render(w, d)
}

func (rp *resultsPages) serveListJSON(w http.ResponseWriter, r *http.Request) {
	list, err := rp.st.Recent(r.Context(), strings.TrimSpace(r.URL.Query().Get("q")), resultsListed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = jsonEncode(w, list)
}

// asset reads the asset the request names by key; it writes the error response when false.
func (rp *resultsPages) asset(w http.ResponseWriter, r *http.Request) (*store.AssetView, bool) {
	key := r.URL.Query().Get("asset")
	if key == "" {
		http.Error(w, "no asset given: pick a file on /results", http.StatusNotFound)
		return nil, false
	}
	if err := tasks.CheckKey(key); err != nil { // checked where it comes in, before any lookup
		http.Error(w, "no results: "+err.Error(), http.StatusNotFound)
		return nil, false
	}
	v, err := rp.st.ShowKey(r.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, fmt.Sprintf("no results for asset %s", key), http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return nil, false
	}
	return v, true
}

func (rp *resultsPages) serveFile(w http.ResponseWriter, r *http.Request) {
	v, ok := rp.asset(w, r)
	if !ok {
		return
	}
	fv, err := rp.view(r.Context(), v)
	d := resultsData{File: fv}
	if err != nil {
		d.Problem = "nearest faces: " + err.Error()
	}
	rp.render(w, d)
}

func (rp *resultsPages) serveFileJSON(w http.ResponseWriter, r *http.Request) {
	v, ok := rp.asset(w, r)
	if !ok {
		return
	}
	fv, err := rp.view(r.Context(), v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = jsonEncode(w, fv)
}

// serveFrame serves a photo or keyframe of an asset the store holds, upright and at most
// frameEdge pixels on its longest side. The request names the asset and frame, never a file.
func (rp *resultsPages) serveFrame(w http.ResponseWriter, r *http.Request) {
	frame, err := strconv.Atoi(r.URL.Query().Get("frame"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	v, ok := rp.asset(w, r)
	if !ok {
		return
	}
	path := framePath(v, rp.facesVersion(v), frame)
	if path == "" {
		http.Error(w, fmt.Sprintf("%s has no frame %d", v.Path, frame), http.StatusNotFound)
		return
	}
	key := "frame/" + path
	if b := rp.cached(key); b != nil {
		writeJPEG(w, b)
		return
	}
	img, err := rp.picture(r.Context(), rp.st, v.Key, frame, path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	b, err := img.JPEG(facecrop.Box{W: float64(img.W), H: float64(img.H)}, frameEdge, frameJPEG)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	rp.remember(key, b)
	writeJPEG(w, b)
}

// serveFace serves the aligned crop of one stored face, cut from the image it was found in
// along its stored landmarks.
func (rp *resultsPages) serveFace(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	frame, err1 := strconv.Atoi(q.Get("frame"))
	idx, err2 := strconv.Atoi(q.Get("index"))
	if err1 != nil || err2 != nil {
		http.NotFound(w, r)
		return
	}
	key := fmt.Sprintf("face/%s/%d/%d/%s", q.Get("asset"), frame, idx, q.Get("version"))
	if b := rp.cached(key); b != nil {
		writeJPEG(w, b)
		return
	}
	v, ok := rp.asset(w, r)
	if !ok {
		return
	}
	for _, f := range v.Faces {
		if f.Frame != frame || f.Index != idx || f.ModelVersion != q.Get("version") {
			continue
		}
		img, err := rp.picture(r.Context(), rp.st, v.Key, f.Frame, f.Image)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		b, err := alignedJPEG(img, f.Face)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		rp.remember(key, b)
		writeJPEG(w, b)
		return
	}
	http.NotFound(w, r)
}

// alignedJPEG cuts the region around a face from the upright image and aligns it along the
// face's landmarks, as the embedder saw it.
func alignedJPEG(img *facecrop.Image, f store.Face) ([]byte, error) {
	bw, bh := float64(f.BBox[2]-f.BBox[0]), float64(f.BBox[3]-f.BBox[1])
	box := facecrop.Box{X: float64(f.BBox[0]) - bw, Y: float64(f.BBox[1]) - bh, W: 3 * bw, H: 3 * bh}
	clip := img.Clip(box)
	region, err := img.Cut(box, 4*alignedPx)
	if err != nil {
		return nil, err
	}
	k := float32(region.Bounds().Dx()) / float32(clip.Dx())
	var lm [5]faces.Point
	for i, p := range f.Landmarks {
		lm[i] = faces.Point{X: (p[0] - float32(clip.Min.X)) * k, Y: (p[1] - float32(clip.Min.Y)) * k}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, faces.AlignedCrop(region, lm, alignedPx), &jpeg.Options{Quality: alignedJPG}); err != nil {
		return nil, fmt.Errorf("encoding a face crop: %w", err)
	}
	return buf.Bytes(), nil
}

// readable tells whether a frame's picture can be shown: its file is here, or the store keeps
// a copy of the keyframe.
func (rp *resultsPages) readable(ctx context.Context, key string, frame int, path string) error {
	_, err := os.Stat(path)
	if err == nil || frame == 0 {
		return err
	}
	if _, serr := rp.st.FrameJPEG(ctx, key, frame); serr != nil {
		return fmt.Errorf("%w, and the store holds no copy of the keyframe", err)
	}
	return nil
}
