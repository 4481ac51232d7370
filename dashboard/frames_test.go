package dashboard_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/internal/facestest"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
)

// TestResultsViewShowsFramesCutElsewhere: a keyframe cut by a worker on another machine (its
// file is not here) is shown from the copy the store keeps; one the store has no copy of says
// why it cannot be shown.
func TestResultsViewShowsFramesCutElsewhere(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	st := storetest.SQLite(t)
	pic := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range pic.Pix {
		pic.Pix[i] = byte(i)
	}
	pic.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, pic, nil))
	video := "/mnt/library/party.mp4"
	key := tasks.AssetKey("", video, 10, 1)
	require.NoError(t, st.PutKeyframes(t.Context(), store.KeyframesResult{
		Asset: store.Asset{Key: key, Path: video, Media: "video"}, ModelVersion: "kf1",
		Video: store.VideoInfo{DurationSec: 10, FPS: 25, Width: 64, Height: 48},
		Frames: []store.Keyframe{
			{Index: 1, Path: "/other-machine/data/keyframes/0001.jpg", Width: 64, Height: 48, JPEG: buf.Bytes()},
			{Index: 2, Timestamp: 5, Path: "/other-machine/data/keyframes/0002.jpg", Width: 64, Height: 48},
		}}))
	require.NoError(t, st.PutCaption(t.Context(), store.CaptionResult{AssetKey: key, Frame: 1, ModelVersion: "c1", Text: "a party"}))
	require.NoError(t, st.PutCaption(t.Context(), store.CaptionResult{AssetKey: key, Frame: 2, ModelVersion: "c1", Text: "more party"}))

	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "results-token"}, Results: st})
	var f struct {
		Frames []struct {
			Frame      int    `json:"frame"`
			ImageURL   string `json:"image_url"`
			Unreadable string `json:"unreadable"`
		} `json:"frames"`
	}
	getJSON(t, srv.URL+"/api/results/file?asset="+url.QueryEscape(key), &f)
	require.Len(t, f.Frames, 2)
	require.NotEmpty(t, f.Frames[0].ImageURL, "frame 1 comes from the store")
	require.Empty(t, f.Frames[1].ImageURL)
	require.Contains(t, f.Frames[1].Unreadable, "no copy")

	code, body := do(t, "GET", srv.URL+f.Frames[0].ImageURL, "", map[string]string{"Authorization": "Bearer results-token"})
	require.Equal(t, http.StatusOK, code, body)
	got, err := jpeg.Decode(bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	require.Equal(t, pic.Bounds().Size(), got.Bounds().Size())
}

// TestPeoplePageCropsFacesOnFramesCutElsewhere: a person whose faces were found on keyframes cut
// on another machine still shows their crops, cut from the copies the store keeps.
func TestPeoplePageCropsFacesOnFramesCutElsewhere(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	ctx := t.Context()
	p := facestest.Pipeline(t)
	st := storetest.SQLite(t)
	src := filepath.Join(t.TempDir(), "astronaut.jpg")
	testenv.MirrorScaled(t, testenv.Sample(t, "astronaut.png"), src)
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	res, err := p.ProcessFile(ctx, src)
	require.NoError(t, err)
	require.NotEmpty(t, res.Faces)
	video := "/mnt/library/interview.mp4"
	key := tasks.AssetKey("", video, 10, 1)
	var frames []store.Keyframe
	for i := 1; i <= 2; i++ {
		frames = append(frames, store.Keyframe{Index: i, Timestamp: float64(i), Path: fmt.Sprintf("/other-machine/keyframes/%04d.jpg", i),
			Width: res.Width, Height: res.Height, JPEG: data})
	}
	require.NoError(t, st.PutKeyframes(ctx, store.KeyframesResult{Asset: store.Asset{Key: key, Path: video, Media: "video"},
		ModelVersion: "kf1", Video: store.VideoInfo{DurationSec: 3, FPS: 25, Width: res.Width, Height: res.Height}, Frames: frames}))
	for _, f := range frames {
		require.NoError(t, st.PutFaces(ctx, facesResult(res, key, f.Index, f.Path)))
	}
	_, err = persons.Cluster(ctx, st, p.ModelVersion(), persons.Params{Join: 0.5, MinFaces: 2, Merge: 0.6}, 100)
	require.NoError(t, err)
	list, err := st.ListPersons(ctx, "")
	require.NoError(t, err)
	require.NotEmpty(t, list)

	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "people-token"}, People: st, Results: st})
	q := url.Values{"asset": {key}, "frame": {"2"}, "index": {"0"}}
	code, body := do(t, "GET", fmt.Sprintf("%s/people/%d/face?%s", srv.URL, list[0].ID, q.Encode()), "",
		map[string]string{"Authorization": "Bearer people-token"})
	require.Equal(t, http.StatusOK, code, body)
	_, err = jpeg.Decode(bytes.NewReader([]byte(body)))
	require.NoError(t, err, "a face crop")
}
