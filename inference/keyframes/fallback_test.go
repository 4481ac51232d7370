package keyframes_test

import (
	"context"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestExtractSparseFallback(t *testing.T) {
	t.Parallel()
	path := testenv.Sample(t, "vtest.avi")

	// One every 10 s would give 8 frames; 4 keyframes are half of that: not too sparse.
	out := t.TempDir()
	res, err := extractor(t).Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, res, out)
	require.False(t, res.Fallback)
	require.Len(t, res.Frames, 4)
	require.Equal(t, []float64{0, 25, 50, 75}, timestamps(res))
	require.Equal(t, 768, res.Frames[0].Width)
	require.Equal(t, 576, res.Frames[0].Height)

	// One every 5 s would give 16: 4 keyframes are too few.
	e := extractor(t)
	e.FallbackInterval = 5 * time.Second
	out = t.TempDir()
	sparse, err := e.Extract(context.Background(), path, out)
	require.NoError(t, err)
	checkResult(t, sparse, out)
	require.True(t, sparse.Fallback)
	require.Equal(t, 4, sparse.Keyframes)
	require.Len(t, sparse.Frames, 16)
	frameGap := 1 / sparse.Video.FPS
	for i := 1; i < len(sparse.Frames); i++ {
		gap := sparse.Frames[i].Timestamp - sparse.Frames[i-1].Timestamp
		require.GreaterOrEqual(t, gap, e.MinSpacing.Seconds()-1e-9)
		require.LessOrEqual(t, gap, 5+frameGap+1e-9)
	}
	require.Subset(t, timestamps(sparse), timestamps(res), "keyframes stay among the fallback frames")

	// Fallback off: the keyframes, however few.
	e = extractor(t)
	e.FallbackInterval = -1
	off, err := e.Extract(context.Background(), path, t.TempDir())
	require.NoError(t, err)
	require.False(t, off.Fallback)
	require.Len(t, off.Frames, 4)
}

func TestExtractMegamindFallsBackWithShortInterval(t *testing.T) {
	t.Parallel()
	e := extractor(t)
	e.FallbackInterval = time.Second // 12 wanted, 4 keyframes kept
	out := t.TempDir()
	res, err := e.Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), out)
	require.NoError(t, err)
	checkResult(t, res, out)
	require.True(t, res.Fallback)
	require.Equal(t, 4, res.Keyframes)
	require.Len(t, res.Frames, 12)

	// A short MaxFrames stretches the interval (to 11.26 s / 3) rather than keeping 12 frames
	// to drop 9 of them.
	e.MaxFrames = 3
	out = t.TempDir()
	few, err := e.Extract(context.Background(), testenv.Sample(t, "Megamind.avi"), out)
	require.NoError(t, err)
	checkResult(t, few, out)
	require.True(t, few.Fallback)
	require.Len(t, few.Frames, 3)
	require.Less(t, few.Frames[0].Timestamp, 1.0, "the frames cover the video")
	require.Greater(t, few.Frames[2].Timestamp, 11.26*2/3, "the frames cover the video")
}
