package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
)

func TestOpenSQLiteCreatesFolderInWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "新建 文件夹", "d'été", "results.db")
	storetest.OpenSpec(t, path)
	db := rawSQLite(t, path)
	var mode string
	require.NoError(t, db.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	require.Equal(t, "wal", mode)
}

func TestReopenKeepsResultsAndSchema(t *testing.T) {
	t.Parallel()
	for name, spec := range map[string]func(testing.TB) string{"sqlite": storetest.SQLiteSpec, "postgres": storetest.PostgresSpec} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec := spec(t)
			ctx := t.Context()
			s, err := store.Open(ctx, spec)
			require.NoError(t, err)
			a := store.Asset{Key: "k1", Path: "/p/kept.jpg"}
			require.NoError(t, s.UpsertAsset(ctx, a))
			require.NoError(t, s.PutCaption(ctx, store.CaptionResult{AssetKey: a.Key, ModelVersion: "cap-v1", Text: "kept"}))
			require.NoError(t, s.Close())

			// Several processes may start at once against one store.
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					s := storetest.OpenSpec(t, spec)
					v, err := s.Show(ctx, a.Path)
					if err != nil {
						t.Errorf("show after reopen: %v", err)
						return
					}
					if len(v.Captions) != 1 || v.Captions[0].Text != "kept" {
						t.Errorf("captions after reopen: %+v", v.Captions)
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := storetest.SQLiteSpec(t)
	s, err := store.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = rawSQLite(t, path).Exec(`UPDATE schema_version SET version = 99`)
	require.NoError(t, err)
	_, err = store.Open(t.Context(), path)
	require.ErrorContains(t, err, "schema version 99")
	require.ErrorContains(t, err, path)
}

func TestOpenErrorsNameTheStore(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "not-a-folder")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	for _, c := range []struct{ spec, want, hidden string }{
		{filepath.Join(file, "results.db"), file, ""},
		{":memory:", ":memory:", ""},
		{"postgres://mediafleet:s3cret@127.0.0.1:1/test?connect_timeout=3", "127.0.0.1:1", "s3cret"},
		{"  ", "no SQLite path or postgres:// URL", ""},
	} {
		_, err := store.Open(t.Context(), c.spec)
		require.ErrorContains(t, err, c.want, "open %q", c.spec)
		if c.hidden != "" {
			require.NotContains(t, err.Error(), c.hidden, "the password stays out of messages")
		}
	}
}

func TestIsPostgres(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]bool{
		"postgres://h/db": true, "POSTGRESQL://h/db": true, "/var/lib/mediafleet/results.db": false,
		`C:\mediafleet\results.db`: false, "postgres.db": false,
	} {
		require.Equal(t, want, store.IsPostgres(spec), spec)
	}
}

func TestSQLiteStoresShareOneFile(t *testing.T) {
	t.Parallel()
	// Two stores on one file stand for two processes: their writers meet SQLite's file lock,
	// not each other's Go queue.
	path := storetest.SQLiteSpec(t)
	stores := []store.Store{storetest.OpenSpec(t, path), storetest.OpenSpec(t, path)}
	ctx := t.Context()
	require.NoError(t, stores[0].UpsertAsset(ctx, store.Asset{Key: "shared", Path: "/p/shared.jpg"}))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			s := stores[g%2]
			for i := range 20 {
				err := s.PutFaces(ctx, store.FacesResult{AssetKey: "shared", Frame: i % 3, ModelVersion: "fr-v1",
					Image: "/p/shared.jpg", Faces: []store.Face{{Index: 0, Embedding: make([]float32, 512)}}})
				if err != nil {
					t.Errorf("writer %d put %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	v, err := stores[1].Show(ctx, "/p/shared.jpg")
	require.NoError(t, err)
	require.Len(t, v.FaceScans, 3)
	require.Len(t, v.Faces, 3)
}

// rawSQLite opens a SQLite file directly, for looking under the store.
func rawSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", fmt.Sprintf("%s?_busy_timeout=10000", path))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}
