package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// concurrentWriters goroutines each make concurrentPuts rounds of writes.
const (
	concurrentWriters = 8
	concurrentPuts    = 30
)

func testConcurrentWriters(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Few assets, many writers: every asset is written by several goroutines at once.
	assets := make([]store.Asset, 6)
	for i := range assets {
		assets[i] = put(t, s, newAsset(fmt.Sprintf("/p/busy-%d.jpg", i), "image"))
	}
	video := newAsset("/v/busy.mp4", "video")
	var wg sync.WaitGroup
	for g := range concurrentWriters {
		wg.Go(func() {
			for i := range concurrentPuts {
				a := assets[(g+i)%len(assets)]
				err := s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, Frame: i % 2, ModelVersion: "fr-v1",
					Image: a.Path, Faces: newFaces((g+i)%4, 128)})
				if err == nil && i%3 == 0 {
					err = s.PutCaption(ctx, store.CaptionResult{AssetKey: a.Key, ModelVersion: "cap-v1",
						Text: fmt.Sprintf("writer %d put %d", g, i)})
				}
				if err == nil && i%5 == 0 {
					err = s.PutKeyframes(ctx, store.KeyframesResult{Asset: video, ModelVersion: "kf-v1",
						Frames: []store.Keyframe{{Index: 1 + g%3}, {Index: 4}}})
				}
				if err == nil && i%4 == 0 {
					err = s.UpsertAsset(ctx, a)
				}
				if err != nil {
					t.Errorf("writer %d put %d: %v", g, i, err)
					return
				}
			}
		})
	}
	// A reader asks what is done while the writers write.
	wg.Go(func() {
		keys := []string{assets[0].Key, assets[1].Key, video.Key}
		for range concurrentPuts {
			if _, err := s.Done(ctx, "faces", "fr-v1", keys); err != nil {
				t.Errorf("done while writing: %v", err)
				return
			}
		}
	})
	wg.Wait()
	if t.Failed() {
		return
	}

	keys := []string{video.Key}
	for _, a := range assets {
		keys = append(keys, a.Key)
	}
	done, err := s.Done(ctx, "faces", "fr-v1", keys)
	require.NoError(t, err)
	require.Len(t, done, len(assets))
	done, err = s.Done(ctx, "keyframes", "kf-v1", keys)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{video.Key: true}, done)
	v, err := s.Show(ctx, video.Path)
	require.NoError(t, err)
	require.Len(t, v.Keyframes, 2, "the last writer's keyframes, not a mix")
	for _, a := range assets {
		v, err := s.Show(ctx, a.Path)
		require.NoError(t, err)
		require.Len(t, v.Captions, 1)
		perFrame := map[int]int{}
		for _, f := range v.Faces {
			perFrame[f.Frame]++
		}
		for _, scan := range v.FaceScans {
			require.Equal(t, scan.Count, perFrame[scan.Frame], "faces of %s frame %d match its last scan", a.Path, scan.Frame)
		}
	}
}
