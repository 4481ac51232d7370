package dashboard_test

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg"
	"net/http"
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
	"github.com/mediafleet/mediafleet/internal/facestest"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/persons"
	"github.com/mediafleet/mediafleet/tasks"
)

// peopleStoreIn finds the faces of real photos with the real pipeline, each photo filed twice
// under lib (an original and a copy in another folder), and groups them into persons. It
// returns the store and the first astronaut file.
func peopleStoreIn(t *testing.T, lib string) (store.Store, string) {
	t.Helper()
	ctx := t.Context()
	p := facestest.Pipeline(t)
	st := storetest.SQLite(t)
	srcs := []string{testenv.Sample(t, "astronaut.png"), testenv.Sample(t, "messi5.jpg")}
	for _, i := range []int{1, 3} {
		srcs = append(srcs, filepath.Join(testenv.CacheDir(), "face-api", "demo", fmt.Sprintf("sample%d.jpg", i)))
	}
	var astronaut string
	for _, src := range srcs {
		data, err := os.ReadFile(src)
		require.NoError(t, err, "run `%s`", testenv.SetupHint)
		res, err := p.ProcessFile(ctx, src)
		require.NoError(t, err)
		// The same photo in two folders: the same faces, found once.
		for _, dir := range []string{"2019/party", "2023/shared by Ana"} {
			dst := filepath.Join(lib, dir, filepath.Base(src))
			require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
			require.NoError(t, os.WriteFile(dst, data, 0o644))
			key := tasks.AssetKey("", dst, int64(len(data)), 1)
			require.NoError(t, st.UpsertAsset(ctx, store.Asset{Key: key, Path: dst, Media: "image"}))
			require.NoError(t, st.PutFaces(ctx, facesResult(res, key, 0, dst)))
			if strings.HasSuffix(src, "astronaut.png") && astronaut == "" {
				astronaut = dst
			}
		}
	}
	_, err := persons.Cluster(ctx, st, p.ModelVersion(), persons.Params{Join: 0.5, MinFaces: 2, Merge: 0.6}, 100)
	require.NoError(t, err)
	list, err := st.ListPersons(ctx, "")
	require.NoError(t, err)
	// Every photo is filed twice, so each person holds its faces in pairs, one per folder; the
	// blonde woman of sample1.jpg is in sample3.jpg too, so one person spans two photos.
	require.NotEmpty(t, list)
	spans := 0
	for _, pr := range list {
		full, err := st.GetPerson(ctx, pr.ID)
		require.NoError(t, err)
		per := map[string]int{}
		for _, f := range full.Faces {
			per[filepath.Base(f.Path)]++
		}
		for photo, n := range per {
			require.Equal(t, 2, n, "person %d: %s in both folders", pr.ID, photo)
		}
		if len(per) > 1 {
			spans++
		}
	}
	require.Equal(t, 1, spans, "one person is in two different photos")
	for _, pr := range list {
		if strings.Contains(pr.Sample, "astronaut") {
			require.NoError(t, persons.Name(ctx, st, pr.ID, "Eileen Collins"))
		}
	}
	return st, astronaut
}

// personsShown is the page's header count of the store's persons.
func personsShown(t *testing.T, st store.Store) string {
	list, err := st.ListPersons(t.Context(), "")
	require.NoError(t, err)
	return fmt.Sprintf("%d persons", len(list))
}

// TestPeoplePageBrowser: the people page shows each person as a grid of face crops with the
// files they are in, in a real browser; every crop loads, and a crop opens its file in the
// results view.
func TestPeoplePageBrowser(t *testing.T) {
	t.Parallel()
	lib := t.TempDir()
	st, astronaut := peopleStoreIn(t, lib)
	b := newBed(t)
	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "people-token"}, People: st, Results: st})

	// A crop is a JPEG of at most 160 px; a face of another person, or none, is not served.
	list, err := st.ListPersons(t.Context(), "")
	require.NoError(t, err)
	p, err := st.GetPerson(t.Context(), list[0].ID)
	require.NoError(t, err)
	f := p.Faces[0]
	url := fmt.Sprintf("%s/people/%d/face?asset=%s&frame=0&index=%d", srv.URL, p.ID, f.AssetKey, f.Index)
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer people-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	cfg, format, err := image.DecodeConfig(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, "jpeg", format)
	require.LessOrEqual(t, max(cfg.Width, cfg.Height), 160)
	code, _ := do(t, "GET", fmt.Sprintf("%s/people/%d/face?asset=%s&frame=0&index=%d", srv.URL, list[1].ID, f.AssetKey, f.Index),
		"", map[string]string{"Authorization": "Bearer people-token"})
	require.Equal(t, http.StatusNotFound, code)

	dir := outDir(t)
	ctx := browser(t, "Bearer people-token")
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/people")))
	faces := 0
	for _, pr := range list {
		faces += min(pr.FaceCount, 12)
	}
	pageHas(t, ctx, personsShown(t, st), "Eileen Collins", "2 faces · 2 files", "4 faces · 4 files", astronaut)
	allImagesLoad(t, ctx, faces)
	shoot(t, ctx, dir, "people.png")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`//a[text()="Eileen Collins"]`)))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`main.one`))))
	pageHas(t, ctx, "2 faces in 2 files", astronaut, filepath.Join(lib, "2023", "shared by Ana", "astronaut.png"))
	allImagesLoad(t, ctx, 2)
	shoot(t, ctx, dir, "person.png")

	// A face opens its photo in the results view, at that face.
	goesTo(t, ctx, chromedp.Click(chromedp.CSS(`.faces a`)))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1").textContent + " " + location.hash`))
	require.NoError(t, err)
	require.Contains(t, []string{astronaut + " #face-0-0", filepath.Join(lib, "2023", "shared by Ana", "astronaut.png") + " #face-0-0"}, shown)
	boxesOnPicture(t, ctx, 1)
	shoot(t, ctx, dir, "person-face-file.png")
}

// allImagesLoad scrolls through the page until every one of its n images has loaded.
func allImagesLoad(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	js := fmt.Sprintf(`(() => { window.scrollTo(0, document.body.scrollHeight); const im = [...document.images];
		return im.length === %d && im.every(i => i.complete && i.naturalWidth > 0); })()`, n)
	if err := waitTrue(ctx, js, 2*time.Minute); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.images].map(i => i.src + " " + i.naturalWidth).join("\n")`))
		t.Fatalf("the page's %d face crops did not all load (%v):\n%s", n, err, got)
	}
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0) || true`))
}
