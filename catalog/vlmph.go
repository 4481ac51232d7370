package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"
	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// VLMPHSource streams the assets of a vlmPhotoHouse SQLite catalog, opened read-only:
// table assets(id, path, hash_sha256, mime, ..., status), in id order. Only status 'active'
// is yielded (a NULL status counts as active); the mime decides photo or video, else the
// extension; other mimes are skipped and counted.
type VLMPHSource struct {
	db   string
	cols map[string]bool // optional columns the table has: hash_sha256, mime, status
	pm   PathMap
	log  zerolog.Logger
	// immutable is set when the file can only be read as immutable: a WAL-mode catalog in a
	// directory this process cannot write, where SQLite cannot create the -shm file.
	immutable bool
}

var _ Source = (*VLMPHSource)(nil)

// NewVLMPHSource checks that db is a SQLite file with an assets table that has at least
// id and path, and returns a source for it.
func NewVLMPHSource(db string, pm PathMap, log zerolog.Logger) (*VLMPHSource, error) {
	abs, err := filepath.Abs(db)
	if err != nil {
		return nil, newError(ErrBadCatalog, err, "vlmph:%s: cannot make the path absolute", db)
	}
	if err := checkFile("vlmph", db, abs); err != nil {
		return nil, err
	}
	s := &VLMPHSource{db: abs, pm: pm, log: log}
	err = s.readColumns()
	if isReadOnlyDirErr(err) {
		s.immutable = true
		if err = s.readColumns(); err == nil {
			log.Warn().Str("source", s.Name()).Msg("the catalog is in WAL mode in a directory this process cannot write: " +
				"reading it as immutable, so changes made to it during a scan may be missed")
		}
	}
	if err != nil {
		return nil, newError(ErrBadCatalog, err, "vlmph:%s is not a readable SQLite database", db)
	}
	switch {
	case len(s.cols) == 0:
		return nil, newError(ErrBadCatalog, nil, "vlmph:%s is not a vlmPhotoHouse catalog: it has no assets table", db)
	case !s.cols["id"] || !s.cols["path"]:
		return nil, newError(ErrBadCatalog, nil, "vlmph:%s is not a vlmPhotoHouse catalog: its assets table lacks an id or path column", db)
	}
	return s, nil
}

// readColumns learns which columns the assets table has.
func (s *VLMPHSource) readColumns() error {
	conn, err := s.open()
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name FROM pragma_table_info('assets')`)
	if err != nil {
		return err
	}
	defer rows.Close()
	s.cols = map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		s.cols[strings.ToLower(name)] = true
	}
	return rows.Err()
}

// open opens the catalog read-only; vlmPhotoHouse may be writing to it meanwhile.
func (s *VLMPHSource) open() (*sql.DB, error) {
	u := url.URL{Path: s.db} // percent-encodes '?', '#', '%' and non-ASCII names
	dsn := "file:" + u.EscapedPath() + "?mode=ro&_pragma=busy_timeout(5000)"
	if s.immutable {
		dsn += "&immutable=1"
	}
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	return conn, nil
}

// isReadOnlyDirErr tells SQLite's refusal to read a WAL-mode file whose -shm it cannot
// create (SQLITE_READONLY_DIRECTORY, SQLITE_READONLY_CANTINIT).
func isReadOnlyDirErr(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_READONLY_DIRECTORY || se.Code() == sqlite3.SQLITE_READONLY_CANTINIT
}

// Name is "vlmph:" and the absolute file name.
func (s *VLMPHSource) Name() string { return "vlmph:" + s.db }

// query selects the columns Scan reads, NULL for an optional column the table lacks.
func (s *VLMPHSource) query() string {
	col := func(name string) string {
		if s.cols[name] {
			return name
		}
		return "NULL"
	}
	return fmt.Sprintf("SELECT CAST(id AS TEXT), path, %s, %s, %s FROM assets ORDER BY id",
		col("hash_sha256"), col("mime"), col("status"))
}

// Scan iterates the assets table in id order, one row at a time.
func (s *VLMPHSource) Scan(ctx context.Context, yield func(Asset) error) (ScanStats, error) {
	t := newTally(s.log.With().Str("source", s.Name()).Logger(), yield)
	conn, err := s.open()
	if err != nil {
		return t.stats, newError(ErrBadCatalog, err, "%s: cannot open the SQLite file", s.Name())
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, s.query())
	if err != nil {
		return t.stats, fmt.Errorf("%s: query assets: %w", s.Name(), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, path, hash, mime, status sql.NullString
		if err := rows.Scan(&id, &path, &hash, &mime, &status); err != nil {
			return t.stats, fmt.Errorf("%s: read an asset row: %w", s.Name(), err)
		}
		where := "id " + id.String
		if status.Valid && !strings.EqualFold(strings.TrimSpace(status.String), "active") {
			t.skip(SkipInactive, where, "status "+status.String)
			continue
		}
		sha, ok := normSHA256(hash.String)
		if !ok {
			t.skip(SkipBadHash, where, fmt.Sprintf("hash_sha256 %q is not 64 hex digits", hash.String))
			continue
		}
		a, reason, detail := resolve(s.pm, record{id: id.String, path: path.String, mime: mime.String, sha: sha})
		if reason != "" {
			t.skip(reason, where, detail)
			continue
		}
		if err := t.emit(a); err != nil {
			return t.stats, err
		}
	}
	if err := rows.Err(); err != nil {
		return t.stats, fmt.Errorf("%s: read assets: %w", s.Name(), err)
	}
	return t.stats, nil
}
