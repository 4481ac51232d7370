package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mediafleet/mediafleet/internal/redact"
)

// sqlStore is the Store over any backend: the SQL is shared, the backend supplies the
// connections.
type sqlStore struct {
	b     backend
	where string // the store as messages name it: "sqlite /x/results.db", "postgres postgres://h/db"
	last  atomic.Int64
}

var _ Store = (*sqlStore)(nil)

// Open opens the store that spec names, creating its tables when they are missing: a
// postgres:// or postgresql:// URL for PostgreSQL (connection settings such as search_path
// go in the URL's query), anything else is the path of a SQLite file, created with its
// folder when absent. The store is safe for use by many goroutines.
func Open(ctx context.Context, spec string) (Store, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("open store: no SQLite path or postgres:// URL given")
	}
	var (
		b     backend
		where string
		err   error
	)
	if IsPostgres(spec) {
		where = "postgres " + redact.URL(spec)
		b, err = openPostgres(ctx, spec)
	} else {
		where = "sqlite " + spec
		b, err = openSQLite(ctx, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", where, redact.Error(err, spec))
	}
	if err := migrate(ctx, b); err != nil {
		_ = b.close()
		return nil, fmt.Errorf("open store %s: %w", where, redact.Error(err, spec))
	}
	return &sqlStore{b: b, where: where}, nil
}

// IsPostgres tells whether spec names a PostgreSQL database rather than a SQLite file.
func IsPostgres(spec string) bool {
	s := strings.ToLower(spec)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// String names the store for messages, without a password.
func (s *sqlStore) String() string { return s.where }

// Close releases the store's connections.
func (s *sqlStore) Close() error {
	if err := s.b.close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.where, err)
	}
	return nil
}

// fail wraps an error of one operation with the store's name; a missing parent row becomes
// ErrUnknownAsset.
func (s *sqlStore) fail(what string, err error) error {
	if s.b.isForeignKeyViolation(err) {
		return fmt.Errorf("store %s: %s: %w: record it with UpsertAsset first (%v)", s.where, what, ErrUnknownAsset, err)
	}
	return fmt.Errorf("store %s: %s: %w", s.where, what, err)
}

// now is the updated_at of a write: Unix nanoseconds, strictly increasing within this
// process, so the later of two writes wins even on a coarse clock.
func (s *sqlStore) now() int64 {
	for {
		last := s.last.Load()
		t := max(time.Now().UnixNano(), last+1)
		if s.last.CompareAndSwap(last, t) {
			return t
		}
	}
}
