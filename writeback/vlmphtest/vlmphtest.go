package vlmphtest

import (
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

//go:embed schema.sql
var schema string

// Schema is the catalog's schema as that app's migrations create it.
func Schema() string { return schema }

// New creates an empty catalog in the test's temporary folder and returns its path and an
// open handle, closed when the test ends.
func New(t testing.TB) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vlmph.db")
	db := Open(t, path)
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("creating the catalog schema: %v\n%s", err, stmt)
		}
	}
	if _, err := db.Exec(`INSERT INTO alembic_version (version_num) VALUES ('a1c9d4e5f8b2')`); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// Open opens an existing catalog as the app would (a busy timeout), closed when the test ends.
func Open(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(15000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// SHA256 is the hex content hash of a file, as the catalog's hash_sha256 holds it.
func SHA256(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Exec runs a statement, failing the test on error, and returns the last insert id.
func Exec(t testing.TB, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

// Dump renders every row of the tables the write-back touches, for comparing a catalog
// before and after a run.
func Dump(t testing.TB, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"assets", "captions", "face_detections", "persons", "video_segments", "face_assignment_events"} {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			b.WriteString(table)
			for i, v := range vals {
				b.WriteString(" " + cols[i] + "=")
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				b.WriteString(strings.ReplaceAll(strings.TrimSpace(toString(v)), "\n", " "))
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

func toString(v any) string {
	if v == nil {
		return "NULL"
	}
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmtAny(v), "\t", " "), "\r", " "))
}

func fmtAny(v any) string { return fmt.Sprint(v) }
