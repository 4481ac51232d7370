package dashboard_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/dashboard"
	"github.com/mediafleet/mediafleet/gpu"
	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/mediafleet/mediafleet/tasks"
	"github.com/mediafleet/mediafleet/worker/registry"
)

// chromiumPath is Debian's Chromium, or MEDIAFLEET_CHROMIUM.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("MEDIAFLEET_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		t.Fatalf("Chromium not found at %s (%v): run `go tool task setup:browser`", p, err)
	}
	return p
}

// outDir is where screenshots go for a person to look at: MEDIAFLEET_TEST_OUT, else a folder
// under the system temp dir that outlives the test.
func outDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("MEDIAFLEET_TEST_OUT")
	if d == "" {
		d = filepath.Join(os.TempDir(), "mediafleet-test-out")
	}
	d = filepath.Join(d, t.Name())
	require.NoError(t, os.MkdirAll(d, 0o755))
	return d
}

// browser starts headless Chromium for one test, sending authorization on every request.
func browser(t *testing.T, authorization string) context.Context {
	t.Helper()
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1440, 1000))
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first action starts the browser, which lives as long as ctx: no timeout on it.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": authorization}})
	require.NoError(t, err)
	return ctx
}

// shoot saves a full-page PNG of the current page and logs its path.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, png, 0o644))
	t.Logf("screenshot: %s", p)
}

// waitTrue evaluates js in the page every 100 ms until it is true or timeout passes. An
// evaluation that fails because the page's script context is being replaced (a refresh or a
// navigation under way) counts as not yet, as it would for a person looking at the page.
func waitTrue(ctx context.Context, js string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still false after %s", timeout)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pageHas waits until the page's visible text holds every one of want.
func pageHas(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	cond := make([]string, len(want))
	for i, w := range want {
		cond[i] = fmt.Sprintf("document.body.innerText.includes(%q)", w)
	}
	if err := waitTrue(ctx, strings.Join(cond, " && "), 20*time.Second); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		t.Fatalf("page never showed all of %q (%v); it shows:\n%s", want, err, text)
	}
}

func TestDashboardBrowser(t *testing.T) {
	t.Parallel()
	b := newBedOn(t, testenv.OwnRedisURL(t)) // asynqmon's queue list shows every queue of its database
	kf, faces, capQ := b.queue(tasks.Keyframes), b.queue(tasks.Faces), b.queue(tasks.Captions)
	b.enqueue(tasks.Keyframes, 5)
	b.enqueue(tasks.Faces, 3)
	b.enqueue(tasks.Captions, 2)
	reason := "captions backend answered 400: image /library/captions-0.mp4.jpg is not a JPEG"
	b.fail(tasks.Captions, reason)

	reg := registry.New(b.rdb, b.prefix, zerolog.Nop())
	w := registry.NewWorkerInfo("v-test")
	w.Host = "gpu-box-7"
	w.Queues = []registry.QueueInfo{
		{Name: kf, Concurrency: 2, InFlight: 1, Device: "cpu"},
		{Name: faces, Concurrency: 4, InFlight: 3, Device: "GPU-5d1c"},
	}
	w.GPU = &gpu.DeviceInfo{Index: 0, UUID: "GPU-5d1c", Name: "NVIDIA H100 80GB HBM3",
		MemoryTotal: 80 << 30, MemoryUsed: 20 << 30, MemoryFree: 60 << 30, UtilizationGPU: 63}
	require.NoError(t, reg.Publish(t.Context(), w, time.Minute))

	srv, _ := b.serve(dashboard.Options{Credentials: dashboard.Credentials{Token: "browser-token"}})
	dir := outDir(t)
	ctx := browser(t, "Bearer browser-token")
	ctx, cancel := context.WithTimeout(ctx, 50*time.Second)
	defer cancel()

	// The fleet page: queues, workers with their GPU, the archived task and why it failed.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")))
	pageHas(t, ctx, kf, faces, capQ, "gpu-box-7", "NVIDIA H100 80GB HBM3", "20480 MiB / 81920 MiB", "63%", reason,
		"captions /library/captions-1.mp4 frame 2 (model cap1)")
	shoot(t, ctx, dir, "fleet.png")

	// Pause the keyframes queue with its button: the queue is paused in Redis.
	pauseBtn := chromedp.CSS(fmt.Sprintf(`button[data-action="pause"][data-queue=%q]`, kf))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(pauseBtn)))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-queue=%q] [data-state="paused"]`, kf)))))
	pageHas(t, ctx, "Paused "+kf)
	require.True(t, b.info(kf).Paused)
	require.False(t, b.info(faces).Paused)
	shoot(t, ctx, dir, "fleet-paused.png")

	// The archived task's link opens its page in asynqmon, which shows the error.
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#archived a[href*="/tasks/"]`), "href"))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+link.Value)))
	pageHas(t, ctx, reason)
	shoot(t, ctx, dir, "asynqmon-task.png")

	// asynqmon lists the queues (its API calls carry the credentials too).
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/monitoring/")))
	pageHas(t, ctx, kf, faces, capQ)
	shoot(t, ctx, dir, "asynqmon.png")
}
