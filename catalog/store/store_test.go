package store_test

import (
	"testing"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/catalog/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunSuite(t, func(t *testing.T) store.Store { return storetest.SQLite(t) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.RunSuite(t, func(t *testing.T) store.Store { return storetest.Postgres(t) })
}
