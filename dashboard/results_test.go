package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/inference/faces"
	"github.com/mediafleet/mediafleet/inference/keyframes"
	"github.com/mediafleet/mediafleet/internal/facestest"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
)

// library is a results store filled by the real face pipeline and ffmpeg, with the files it
// holds.
type library struct {
	st      store.Store
	version string
	dir     string
	astro   string // astronaut.png
	mirror  string // the astronaut, mirrored and rescaled: her nearest face
	group   string // a group photo
	video   string // Megamind.avi, with its keyframes
	frame1  string // the JPEG of its first keyframe
}

// facesResult is what a worker stores for the faces the pipeline found in image.
func facesResult(res *faces.Result, key string, frame int, image string) store.FacesResult {
	r := store.FacesResult{AssetKey: key, Frame: frame, ModelVersion: res.ModelVersion, Image: image, Width: res.Width, Height: res.Height}
	for i, f := range res.Faces {
		face := store.Face{Index: i, BBox: [4]float32{f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2}, Score: f.Score,
			Embedding: f.Embedding, Dim: len(f.Embedding)}
		for k, l := range f.Landmarks {
			face.Landmarks[k] = [2]float32{l.X, l.Y}
		}
		r.Faces = append(r.Faces, face)
	}
	return r
}

// storeFaces finds the faces of image with p and stores them as frame of the asset.
func storeFaces(t *testing.T, st store.Store, p *faces.Pipeline, key string, frame int, image string) int {
	t.Helper()
	res, err := p.ProcessFile(t.Context(), image)
	require.NoError(t, err)
	r := facesResult(res, key, frame, image)
	require.NoError(t, st.PutFaces(t.Context(), r))
	return len(r.Faces)
}

// newLibrary stores the faces of real photos and of a real video's keyframes, and captions
// as a captions backend would have written them.
func newLibrary(t *testing.T) *library {
	t.Helper()
	ctx := t.Context()
	p := facestest.Pipeline(t)
	l := &library{st: storetest.SQLite(t), version: p.ModelVersion(), dir: t.TempDir()}
	photo := func(src, name string) string {
		dst := filepath.Join(l.dir, "photos", name)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		if src != "" {
			data, err := os.ReadFile(src)
			require.NoError(t, err, "run `%s`", testenv.SetupHint)
			require.NoError(t, os.WriteFile(dst, data, 0o644))
		}
		return dst
	}
	l.astro = photo(testenv.Sample(t, "astronaut.png"), "astronaut.png")
	l.mirror = photo("", "astronaut mirrored.jpg")
	testenv.MirrorScaled(t, l.astro, l.mirror)
	l.group = photo(filepath.Join(testenv.CacheDir(), "face-api", "demo", "sample1.jpg"), "party/sample1.jpg")
	others := []string{photo(testenv.Sample(t, "messi5.jpg"), "messi5.jpg"),
		photo(filepath.Join(testenv.CacheDir(), "face-api", "demo", "sample3.jpg"), "party/sample3.jpg")}
	for _, path := range append([]string{l.mirror, l.group, l.astro}, others...) {
		st, err := os.Stat(path)
		require.NoError(t, err)
		key := tasks.AssetKey("", path, st.Size(), st.ModTime().Unix())
		require.NoError(t, l.st.UpsertAsset(ctx, store.Asset{Key: key, Path: path, Media: "image", Mime: "image/jpeg"}))
		require.NotZero(t, storeFaces(t, l.st, p, key, 0, path), path)
		if path == l.astro {
			require.NoError(t, l.st.PutCaption(ctx, store.CaptionResult{AssetKey: key, ModelVersion: "openai-test-1",
				Text:  "A smiling astronaut in an orange flight suit holds her helmet before an American flag.",
				Model: "test-vlm", Backend: "openai"}))
		}
	}

	l.video = filepath.Join(l.dir, "videos", "Megamind.avi")
	require.NoError(t, os.MkdirAll(filepath.Dir(l.video), 0o755))
	data, err := os.ReadFile(testenv.Sample(t, "Megamind.avi"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(l.video, data, 0o644))
	ex := keyframes.Extractor{}
	kr, err := ex.Extract(ctx, l.video, filepath.Join(l.dir, "derived", "Megamind"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(kr.Frames), 2)
	l.frame1 = kr.Frames[0].Path
	va := store.Asset{Key: tasks.AssetKey("", l.video, int64(len(data)), 1), Path: l.video, Media: "video", Mime: "video/x-msvideo"}
	res := store.KeyframesResult{Asset: va, ModelVersion: ex.ModelVersion(),
		Video: store.VideoInfo{DurationSec: kr.Video.Duration, FPS: kr.Video.FPS, Width: kr.Video.Width, Height: kr.Video.Height}}
	for _, f := range kr.Frames {
		res.Frames = append(res.Frames, store.Keyframe{Index: f.Index, Timestamp: f.Timestamp, Path: f.Path, Width: f.Width, Height: f.Height})
	}
	require.NoError(t, l.st.PutKeyframes(ctx, res))
	for _, f := range kr.Frames {
		storeFaces(t, l.st, p, va.Key, f.Index, f.Path)
	}
	require.NoError(t, l.st.PutCaption(ctx, store.CaptionResult{AssetKey: va.Key, Frame: 2, ModelVersion: "openai-test-1",
		Text: "A cartoon man with glasses talks across a candle-lit table.", Model: "test-vlm", Backend: "openai"}))
	return l
}

// fileJSON is the results view's JSON for one file, as far as the test reads it.
type fileJSON struct {
	Path   string `json:"Path"`
	Frames []struct {
		Frame    int    `json:"frame"`
		ImageURL string `json:"image_url"`
		Faces    []struct {
			ID      string `json:"id"`
			CropURL string `json:"crop_url"`
			Nearest []struct {
				Path    string  `json:"path"`
				Score   float32 `json:"score"`
				FileURL string  `json:"file_url"`
			} `json:"nearest"`
		} `json:"faces"`
		Captions []store.CaptionResult `json:"captions"`
	} `json:"frames"`
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	code, body := do(t, "GET", u, "", map[string]string{"Authorization": "Bearer results-token"})
	require.Equal(t, http.StatusOK, code, body)
	require.NoError(t, json.Unmarshal([]byte(body), v), body)
}

// TestResultsViewBrowser: in a real browser, the results view lists the newest results,
// finds files by path, and shows a file's photo or keyframes with the face boxes drawn on
// them, the aligned face crops, the caption and, for each face, the nearest stored faces as
// crops that open their own file when clicked. Screenshots go to outDir.
func TestResultsViewBrowser(t *testing.T) {
	t.Parallel()
	l := newLibrary(t)
	b := newBed(t)
	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "results-token"},
		Results: l.st, FacesVersion: l.version})
	auth := map[string]string{"Authorization": "Bearer results-token"}

	// The JSON of a file: the astronaut's one face, whose nearest stored face is her mirrored copy.
	var recent []store.RecentAsset
	getJSON(t, srv.URL+"/api/results?q=ASTRONAUT", &recent)
	require.Len(t, recent, 2)
	astroKey := ""
	for _, r := range recent {
		if r.Path == l.astro {
			astroKey = r.Key
		}
	}
	require.NotEmpty(t, astroKey)
	var astro fileJSON
	getJSON(t, srv.URL+"/api/results/file?asset="+url.QueryEscape(astroKey), &astro)
	require.Len(t, astro.Frames, 1)
	require.Len(t, astro.Frames[0].Faces, 1)
	near := astro.Frames[0].Faces[0].Nearest
	require.NotEmpty(t, near)
	require.Equal(t, l.mirror, near[0].Path)
	require.Greater(t, near[0].Score, float32(0.6))

	// Crops and frames are served only for what the store holds.
	for _, u := range []string{"/results/face?asset=" + url.QueryEscape(astroKey) + "&frame=0&index=0&version=other",
		"/results/face?asset=" + url.QueryEscape(astroKey) + "&frame=0&index=7&version=" + url.QueryEscape(l.version),
		"/results/frame?asset=nope&frame=0", "/results/frame?asset=" + url.QueryEscape(astroKey) + "&frame=3",
		"/results/file?asset=nope"} {
		code, _ := do(t, "GET", srv.URL+u, "", auth)
		require.Equal(t, http.StatusNotFound, code, u)
	}
	code, _ := do(t, "GET", srv.URL+"/results", "", nil)
	require.Equal(t, http.StatusUnauthorized, code, "the view needs the credentials like every page")

	dir := outDir(t)
	ctx := browser(t, "Bearer results-token")
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()

	// The newest results: every file with results, the video first (stored last).
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/results")))
	pageHas(t, ctx, "the newest results", l.astro, l.mirror, l.group, l.video)
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#results tbody a").textContent`))
	require.NoError(t, err)
	require.Equal(t, l.video, first)
	shoot(t, ctx, dir, "results-list.png")

	// Search by path, then pick the photo.
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`input[name="q"]`), "astronaut")))
	goesTo(t, ctx, chromedp.Submit(chromedp.CSS(`form.search`)))
	pageHas(t, ctx, `files whose path holds “astronaut”`)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#results tbody tr").length`))
	require.NoError(t, err)
	require.Equal(t, 2, rows)
	goesTo(t, ctx, chromedp.Click(fmt.Sprintf(`//a[text()=%q]`, l.astro)))
	pageHas(t, ctx, "A smiling astronaut in an orange flight suit", "face 0", "nearest stored faces")
	allImagesLoad(t, ctx, 2+len(near))
	boxesOnPicture(t, ctx, 1)
	shoot(t, ctx, dir, "results-photo.png")

	// The nearest face opens its own file, at that face.
	goesTo(t, ctx, chromedp.Click(chromedp.CSS(`a.nearest`)))
	pageHas(t, ctx, l.mirror, "face 0")
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.hash`))
	require.NoError(t, err)
	require.Equal(t, "/results/file#face-0-0", loc)
	nearest, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a.nearest").dataset.path`))
	require.NoError(t, err)
	require.Equal(t, l.astro, nearest, "and her nearest face is the original")
	boxesOnPicture(t, ctx, 1)
	shoot(t, ctx, dir, "results-nearest-clicked.png")

	// A group photo: a box on every face, each face with its crop.
	var groupFaces int
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/results?q="+url.QueryEscape("sample1"))))
	goesTo(t, ctx, chromedp.Click(fmt.Sprintf(`//a[text()=%q]`, l.group)))
	pageHas(t, ctx, l.group, "nearest stored faces")
	groupFaces, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".face").length`))
	require.NoError(t, err)
	require.Greater(t, groupFaces, 1)
	boxesOnPicture(t, ctx, groupFaces)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.images.length`))
	require.NoError(t, err)
	allImagesLoad(t, ctx, n)
	shoot(t, ctx, dir, "results-group.png")

	// A video: its keyframes, each with what was found in it, and the caption of keyframe 2.
	// Keyframe 1's file is gone (as on a machine that cannot reach the worker's data dir):
	// the page says so instead of showing a broken picture.
	require.NoError(t, os.Remove(l.frame1))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/results?q=megamind")))
	goesTo(t, ctx, chromedp.Click(fmt.Sprintf(`//a[text()=%q]`, l.video)))
	pageHas(t, ctx, "keyframe 1 · ", "keyframe 2 · ", "A cartoon man with glasses talks across a candle-lit table.",
		"Cannot show this frame here: stat "+l.frame1+": no such file or directory")
	capFrame, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-caption]").closest("section").dataset.frame`))
	require.NoError(t, err)
	require.Equal(t, "2", capFrame)
	n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.images.length`))
	require.NoError(t, err)
	allImagesLoad(t, ctx, n)
	shoot(t, ctx, dir, "results-video.png")
}

// goesTo runs an action that leaves the page and waits until the next page has loaded.
func goesTo(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, a))
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The old page's context goes away under a running evaluation: errors are retried.
		now, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
		if err == nil && now != "" && now != before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page stayed at %s (%v)", before, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// boxesOnPicture checks that the page draws n face boxes, each inside its frame's picture and
// of a size a face can have there.
func boxesOnPicture(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	js := `[...document.querySelectorAll("a.box")].map(b => {
		const p = b.closest(".pic").querySelector("img").getBoundingClientRect(), r = b.getBoundingClientRect();
		return [r.left - p.left, r.top - p.top, r.right - p.right, r.bottom - p.bottom, r.width, r.height, p.width].join(" ");
	})`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	require.NoError(t, err)
	require.Len(t, got, n)
	for _, g := range got {
		var l, tp, r, bt, w, h, pw float64
		_, err := fmt.Sscan(g, &l, &tp, &r, &bt, &w, &h, &pw)
		require.NoError(t, err, g)
		require.True(t, l >= -3 && tp >= -3 && r <= 3 && bt <= 3, "box %s lies outside its picture", g)
		require.True(t, w > 4 && h > 4 && w < pw, "box %s", g)
	}
	require.False(t, strings.Contains(strings.Join(got, ""), "NaN"))
}
