package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteBusyTimeoutMS is how long a statement waits for another process's write lock.
const sqliteBusyTimeoutMS = 30000

// sqliteDB is a SQLite file in WAL mode. One connection writes, so writers in this process
// queue in Go and never meet SQLITE_BUSY; write transactions BEGIN IMMEDIATE and wait up to
// busy_timeout for writers in other processes. Several connections read beside the writer.
type sqliteDB struct {
	w, r *sql.DB
}

var _ backend = (*sqliteDB)(nil)

// openSQLite opens (creating it and its folder when missing) the SQLite file at path.
func openSQLite(ctx context.Context, path string) (*sqliteDB, error) {
	if path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%q is not a plain file path (no file: URIs, no ? or # in the name)", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create folder: %w", err)
		}
	}
	common := fmt.Sprintf("?_busy_timeout=%d&_foreign_keys=1", sqliteBusyTimeoutMS)
	w, err := sql.Open("sqlite", path+common+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, err
	}
	var mode string
	if err := w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		w.Close()
		return nil, err
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("journal mode is %q, not WAL (a file system without shared memory?)", mode)
	}
	r, err := sql.Open("sqlite", path+common+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &sqliteDB{w: w, r: r}, nil
}

func (s *sqliteDB) tx(ctx context.Context, write bool, fn func(q querier) error) error {
	db := s.r
	if write {
		db = s.w
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqlQuerier{tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqliteDB) query(ctx context.Context, q string, args ...any) (rows, error) {
	return sqlQuerier{s.r}.query(ctx, q, args...)
}

func (s *sqliteDB) isForeignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (s *sqliteDB) blobType() string { return "BLOB" }

// lockSchema has nothing to do: the write transaction began IMMEDIATE, which excludes
// every other writer of the file.
func (s *sqliteDB) lockSchema(context.Context, querier) error { return nil }

// lockPersons has nothing to do: the write transaction began IMMEDIATE.
func (s *sqliteDB) lockPersons(context.Context, querier, string) error { return nil }

func (s *sqliteDB) close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// sqlConn is what database/sql's *DB and *Tx share.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqlQuerier runs statements through database/sql.
type sqlQuerier struct{ c sqlConn }

func (q sqlQuerier) exec(ctx context.Context, s string, args ...any) error {
	_, err := q.c.ExecContext(ctx, sqliteParams(s), args...)
	return err
}

func (q sqlQuerier) query(ctx context.Context, s string, args ...any) (rows, error) {
	r, err := q.c.QueryContext(ctx, sqliteParams(s), args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

// sqlRows adapts *sql.Rows to rows; Close's error is reported by Err.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// sqliteParams turns $1-style placeholders into SQLite's anonymous ?. SQLite reads $N too,
// but looks each one up by name when preparing and again when binding, which makes a
// statement of hundreds of placeholders (Done's key lists) slow. When the placeholders do not
// run $1, $2, ... in order, each once, they become ?N, which SQLite also numbers directly.
// The store's SQL holds no '$' inside literals.
func sqliteParams(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	next := 1
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(s[i+1 : j]); err != nil || n != next {
			return strings.ReplaceAll(s, "$", "?")
		}
		next++
		b.WriteByte('?')
		i = j - 1
	}
	return b.String()
}
