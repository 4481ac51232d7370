package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// putFaced records an asset at path with n faces of model version mv at frame 0.
func putFaced(t *testing.T, s store.Store, path, mv string, n int) store.Asset {
	t.Helper()
	a := put(t, s, newAsset(path, "image"))
	require.NoError(t, s.PutFaces(t.Context(), store.FacesResult{AssetKey: a.Key, ModelVersion: mv, Image: path, Faces: newFaces(n, 8)}))
	return a
}

func testPersonsRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := putFaced(t, s, "/p/group.jpg", "fr-v1", 3)
	b := putFaced(t, s, "/p/other.jpg", "fr-v2", 1)
	var id int64
	err := s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
		fresh, err := tx.NewFaces(ctx, 10)
		require.NoError(t, err)
		require.Len(t, fresh, 3, "only the faces of fr-v1, all new")
		for _, f := range fresh {
			require.Equal(t, a.Key, f.AssetKey)
			require.Nil(t, f.Assigned)
			require.Len(t, f.Embedding, 8)
		}
		if id, err = tx.NewPersonID(ctx); err != nil {
			return err
		}
		require.NoError(t, tx.SavePerson(ctx, store.PersonState{ID: id, Name: "Ada", Sum: []float32{1, 2, 3}, Count: 2, Manual: 1}))
		return tx.Assign(ctx, []store.Assignment{
			{Face: fresh[0].FaceRef, PersonID: id, Source: store.SourceManual, Score: 0.9},
			{Face: fresh[1].FaceRef, PersonID: id, Source: store.SourceAuto, Score: 0.7},
			{Face: fresh[2].FaceRef, Source: store.SourceAuto},
		})
	})
	require.NoError(t, err)

	err = s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
		fresh, err := tx.NewFaces(ctx, 10)
		require.NoError(t, err)
		require.Empty(t, fresh, "every face was placed")
		waiting, err := tx.WaitingFaces(ctx)
		require.NoError(t, err)
		require.Len(t, waiting, 1)
		require.Equal(t, 2, waiting[0].Index)
		ps, err := tx.Persons(ctx)
		require.NoError(t, err)
		require.Len(t, ps, 1)
		require.Equal(t, store.PersonState{ID: id, ModelVersion: "fr-v1", Name: "Ada", Sum: []float32{1, 2, 3}, Count: 2, Manual: 1,
			CreatedAt: ps[0].CreatedAt}, ps[0])
		of, err := tx.FacesOf(ctx, id)
		require.NoError(t, err)
		require.Len(t, of, 2)
		require.Equal(t, store.SourceManual, of[0].Assigned.Source)
		_, err = tx.Face(ctx, store.FaceRef{AssetKey: a.Key, ModelVersion: "fr-v1", Index: 7})
		require.ErrorIs(t, err, store.ErrNotFound)
		return nil
	})
	require.NoError(t, err)

	list, err := s.ListPersons(ctx, "fr-v1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, 2, list[0].FaceCount)
	require.Equal(t, "/p/group.jpg", list[0].Sample)
	none, err := s.ListPersons(ctx, "fr-v2")
	require.NoError(t, err)
	require.Empty(t, none)
	p, err := s.GetPerson(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "Ada", p.Name)
	require.Len(t, p.Faces, 2)
	require.Equal(t, "/p/group.jpg", p.Faces[0].Path)
	_, err = s.GetPerson(ctx, id+100)
	require.ErrorIs(t, err, store.ErrNotFound)

	as, err := s.Assignments(ctx, "fr-v1", []string{a.Key, b.Key})
	require.NoError(t, err)
	require.Len(t, as, 3)
	require.Equal(t, id, as[store.FaceRef{AssetKey: a.Key, ModelVersion: "fr-v1", Index: 1}].PersonID)

	// A faces task that runs again replaces the face rows; the assignments stay.
	require.NoError(t, s.PutFaces(ctx, store.FacesResult{AssetKey: a.Key, ModelVersion: "fr-v1", Image: a.Path, Faces: newFaces(3, 8)}))
	p, err = s.GetPerson(ctx, id)
	require.NoError(t, err)
	require.Len(t, p.Faces, 2)
	require.Equal(t, 1, p.Faces[0].Index, "best detected first")
	require.Equal(t, store.SourceManual, p.Faces[1].Source)

	// fn's error rolls everything back and comes out as it was.
	boom := errors.New("boom")
	err = s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
		require.NoError(t, tx.DeletePerson(ctx, id))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetPerson(ctx, id)
	require.NoError(t, err, "the delete was rolled back")
}

// testPersonsSerialised: UpdatePersons of one model version take turns, so read-modify-write
// inside them loses nothing, and person ids are never handed out twice.
func testPersonsSerialised(t *testing.T, s store.Store) {
	ctx := t.Context()
	const writers, rounds = 6, 8
	var id int64
	require.NoError(t, s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
		var err error
		if id, err = tx.NewPersonID(ctx); err != nil {
			return err
		}
		return tx.SavePerson(ctx, store.PersonState{ID: id})
	}))
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[int64]bool{id: true}
	)
	for g := range writers {
		wg.Go(func() {
			for range rounds {
				err := s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
					ps, err := tx.Persons(ctx)
					if err != nil {
						return err
					}
					for _, p := range ps {
						if p.ID == id {
							p.Count++
							if err := tx.SavePerson(ctx, p); err != nil {
								return err
							}
						}
					}
					nid, err := tx.NewPersonID(ctx)
					if err != nil {
						return err
					}
					mu.Lock()
					dup := ids[nid]
					ids[nid] = true
					mu.Unlock()
					if dup {
						return fmt.Errorf("writer %d got person id %d twice", g, nid)
					}
					return nil
				})
				if err != nil {
					t.Errorf("%v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	ps, err := s.ListPersons(ctx, "fr-v1")
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.NoError(t, s.UpdatePersons(ctx, "fr-v1", func(ctx context.Context, tx store.PersonsTx) error {
		all, err := tx.Persons(ctx)
		require.NoError(t, err)
		require.Equal(t, writers*rounds, all[0].Count, "no increment lost")
		return nil
	}))
	require.Len(t, ids, 1+writers*rounds)
}
