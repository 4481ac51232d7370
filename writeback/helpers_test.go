package writeback_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
	"github.com/mediafleet/mediafleet/writeback"
	"github.com/mediafleet/mediafleet/writeback/vlmphtest"
)

// bed is a catalog with photos on drive E: (under drive/), a store holding faces for them,
// and the options of a run.
type bed struct {
	t     *testing.T
	path  string
	db    *sql.DB
	st    store.Store
	drive string
	opt   writeback.Options
}

func newBed(t *testing.T) *bed {
	path, db := vlmphtest.New(t)
	b := &bed{t: t, path: path, db: db, st: storetest.SQLite(t), drive: filepath.Join(t.TempDir(), "e")}
	pm, err := catalog.ParsePathMap([]string{"E:/=" + b.drive})
	require.NoError(t, err)
	d, err := writeback.NewDerived(`E:\VLM_DATA\derived`, pm)
	require.NoError(t, err)
	b.opt = writeback.Options{Catalog: path, Store: b.st, Derived: d, PathMap: pm, FacesVersion: mv, Log: zerolog.Nop()}
	return b
}
