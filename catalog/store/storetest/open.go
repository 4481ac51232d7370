package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/internal/redact"
	"github.com/mediafleet/mediafleet/internal/testenv"
)

// SQLiteSpec is the path of a fresh SQLite file (not created yet) in the test's temporary folder.
func SQLiteSpec(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "results.db")
}

// PostgresSpec creates a schema of its own in the test PostgreSQL (testenv.PostgresURL) and
// returns a URL whose connections use it; the schema is dropped when the test ends. The
// test fails when PostgreSQL does not answer.
func PostgresSpec(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL at %s does not answer (%v): start PostgreSQL or set MEDIAFLEET_TEST_POSTGRES_URL",
			redact.URL(base), err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s in %s: %v", schema, redact.URL(base), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("test PostgreSQL URL does not parse: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenSpec opens the store at spec and closes it when the test ends.
func OpenSpec(t testing.TB, spec string) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), spec)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return s
}

// SQLite opens a store in a fresh SQLite file, closed when the test ends.
func SQLite(t testing.TB) store.Store {
	t.Helper()
	return OpenSpec(t, SQLiteSpec(t))
}

// Postgres opens a store in a PostgreSQL schema of its own, closed and dropped when the test ends.
func Postgres(t testing.TB) store.Store {
	t.Helper()
	return OpenSpec(t, PostgresSpec(t))
}
