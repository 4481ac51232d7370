package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
)

var benchBackends = []struct {
	name string
	open func(testing.TB) store.Store
}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}}

// BenchmarkDone asks about 1000 keys at once (half of them done), as the enqueuer does, and
// reports the ratio to asking about the same keys one by one, measured in the same run.
func BenchmarkDone(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := b.Context()
			keys := make([]string, 1000)
			for i := range keys {
				keys[i] = fmt.Sprintf("bench-%04d", i)
				if i%2 == 1 {
					continue
				}
				if err := s.UpsertAsset(ctx, store.Asset{Key: keys[i], Path: "/p/" + keys[i] + ".jpg"}); err != nil {
					b.Fatal(err)
				}
				if err := s.PutCaption(ctx, store.CaptionResult{AssetKey: keys[i], ModelVersion: "v1", Text: "t"}); err != nil {
					b.Fatal(err)
				}
			}
			start := time.Now()
			for _, k := range keys {
				if _, err := s.Done(ctx, "captions", "v1", []string{k}); err != nil {
					b.Fatal(err)
				}
			}
			oneByOne := time.Since(start)
			for b.Loop() {
				done, err := s.Done(ctx, "captions", "v1", keys)
				if err != nil || len(done) != len(keys)/2 {
					b.Fatalf("done %d of %d keys: %v", len(done), len(keys), err)
				}
			}
			perCall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(len(keys))/perCall.Seconds(), "keys/s")
			b.ReportMetric(oneByOne.Seconds()/perCall.Seconds(), "x_vs_one_by_one")
		})
	}
}

// BenchmarkPutFaces writes three faces with 512-d embeddings per call from one goroutine,
// and reports the throughput of 8 goroutines writing at once as a ratio to it.
func BenchmarkPutFaces(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := b.Context()
			if err := s.UpsertAsset(ctx, store.Asset{Key: "bench", Path: "/p/bench.jpg"}); err != nil {
				b.Fatal(err)
			}
			faces := make([]store.Face, 3)
			for i := range faces {
				faces[i] = store.Face{Index: i, Embedding: make([]float32, 512), Score: 0.9}
			}
			put := func(frame int) error {
				return s.PutFaces(ctx, store.FacesResult{AssetKey: "bench", Frame: frame, ModelVersion: "v1",
					Image: "/p/bench.jpg", Faces: faces})
			}
			frame := 0
			for b.Loop() {
				frame++
				if err := put(frame % 1000); err != nil {
					b.Fatal(err)
				}
			}
			serial := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(serial, "puts/s")

			const writers, each = 8, 50
			var wg sync.WaitGroup
			start := time.Now()
			for g := range writers {
				wg.Go(func() {
					for i := range each {
						if err := put(g*each + i); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			parallel := writers * each / time.Since(start).Seconds()
			b.ReportMetric(parallel/serial, "x_8_writers")
		})
	}
}
