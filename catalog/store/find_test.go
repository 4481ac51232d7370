package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
)

func TestShowFirstTriesEachPath(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSpec(t, storetest.SQLiteSpec(t))
	ctx := t.Context()
	a := store.Asset{Key: "k1", Path: "/mnt/e/x.jpg", SHA256: "ab", Mime: "image/jpeg", Media: "image", Size: 3, ModTime: time.Unix(1700000000, 0)}
	require.NoError(t, st.UpsertAsset(ctx, a))

	v, err := store.ShowFirst(ctx, st, []string{`E:\x.jpg`, "/mnt/e/x.jpg"})
	require.NoError(t, err)
	require.Equal(t, "k1", v.Key)

	_, err = store.ShowFirst(ctx, st, []string{"/elsewhere/x.jpg", `E:\x.jpg`})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = store.ShowFirst(ctx, st, nil)
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, st.Close())
	_, err = store.ShowFirst(ctx, st, []string{"/elsewhere/x.jpg", "/mnt/e/x.jpg"})
	require.Error(t, err)
	require.NotErrorIs(t, err, store.ErrNotFound, "a failing store is not a missing file")
}
