package writeback

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mediafleet/mediafleet/catalog"
)

// busyTimeoutMS is how long a statement waits for the app's own write lock.
const busyTimeoutMS = 15000

// Actor is the actor of the audit records the write-back adds.
const Actor = "mediafleet"

// Reasons of the audit records the write-back adds.
const (
	reasonFace   = "mediafleet.face"   // a face row added
	reasonPerson = "mediafleet.person" // a face's person set or changed
)

// openCatalog opens the catalog for writing: one connection, a busy timeout, write
// transactions that take the lock at BEGIN (so they never fail half-way on a lock).
func openCatalog(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("vlmph:%s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("vlmph:%s is not a file", path)
	}
	u := url.URL{Path: abs}
	dsn := "file:" + u.EscapedPath() + fmt.Sprintf("?_pragma=busy_timeout(%d)&_txlock=immediate", busyTimeoutMS)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("vlmph:%s: %w", path, err)
	}
	return db, nil
}

// tx runs fn in one short write transaction; with dryRun it is rolled back at the end.
func tx(ctx context.Context, db *sql.DB, dryRun bool, fn func(*sql.Tx) error) error {
	t, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		_ = t.Rollback()
		return err
	}
	if dryRun {
		return t.Rollback()
	}
	return t.Commit()
}

// timestamp is how that app's SQLAlchemy stores a UTC DateTime in SQLite.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// Derived is that app's derived folder: as the catalog writes paths under it, and where this
// machine writes its files.
type Derived struct {
	// Catalog is the folder as the catalog names it (E:/VLM_DATA/derived).
	Catalog string
	// Local is where this machine reaches it (/mnt/e/VLM_DATA/derived).
	Local string
	sep   string
}

// NewDerived maps the catalog's derived folder to this machine with the path rules. A
// Windows folder no rule maps is an error that says which rule to add.
func NewDerived(catalogForm string, pm catalog.PathMap) (Derived, error) {
	c := strings.TrimRight(strings.TrimSpace(catalogForm), `/\`)
	if c == "" {
		return Derived{}, fmt.Errorf("no derived folder: give the app's DERIVED_PATH as its catalog names it with --derived (or writeback.derived), e.g. E:/VLM_DATA/derived")
	}
	local, ok := pm.Map(c)
	slashed := strings.ReplaceAll(c, `\`, "/")
	windows := len(slashed) >= 2 && slashed[1] == ':' || strings.HasPrefix(slashed, "//")
	if windows && !ok {
		return Derived{}, fmt.Errorf("derived folder %s is a Windows path that no path_map rule maps: add one such as %s=/mnt/%s/",
			c, slashed[:min(3, len(slashed))], strings.ToLower(slashed[:1]))
	}
	if !filepath.IsAbs(local) {
		return Derived{}, fmt.Errorf("derived folder %s maps to %s, which is not an absolute path", c, local)
	}
	sep := "/"
	if strings.Contains(c, `\`) && !strings.Contains(c, "/") {
		sep = `\`
	}
	return Derived{Catalog: c, Local: local, sep: sep}, nil
}

// Path is the catalog's form of a file under the derived folder.
func (d Derived) Path(parts ...string) string {
	return d.Catalog + d.sep + strings.Join(parts, d.sep)
}

// LocalPath is where this machine writes that file.
func (d Derived) LocalPath(parts ...string) string {
	return filepath.Join(append([]string{d.Local}, parts...)...)
}

// writeFile writes data to path atomically (a temporary file renamed over it), creating
// its folder.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mediafleet-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
