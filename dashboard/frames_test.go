package dashboard_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/dashboard"
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
