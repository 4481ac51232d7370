package writeback

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// KnownAlembicVersion is the vlmPhotoHouse schema this package writes (its migrations' head
// at the version whose tables are listed in knownTables).
const KnownAlembicVersion = "a1c9d4e5f8b2"

// ErrSchema is a catalog whose tables are not the ones this package knows how to write.
var ErrSchema = errors.New("catalog schema differs")

// knownTables are the columns of the tables the write-back reads or writes: name, declared
// type and NOT NULL, in order.
var knownTables = map[string][]string{
	"assets": {"id INTEGER NN", "path VARCHAR NN", "hash_sha256 VARCHAR(64) NN", "perceptual_hash VARCHAR(32)",
		"mime VARCHAR(64)", "width INTEGER", "height INTEGER", "orientation INTEGER", "taken_at DATETIME",
		"camera_make VARCHAR(64)", "camera_model VARCHAR(64)", "lens VARCHAR(64)", "iso INTEGER", "f_stop FLOAT",
		"exposure VARCHAR(32)", "focal_length FLOAT", "gps_lat FLOAT", "gps_lon FLOAT", "file_size INTEGER",
		"created_at DATETIME", "imported_at DATETIME", "status VARCHAR(16)", "caption_processed BOOLEAN NN",
		"caption_variant_count INTEGER NN", "caption_processed_at DATETIME", "caption_error_last TEXT",
		"caption_model_profile_last VARCHAR(32)", "duration_sec FLOAT", "fps FLOAT"},
	"captions": {"id INTEGER NN", "asset_id INTEGER NN", "text TEXT NN", "model VARCHAR(64) NN", "user_edited BOOLEAN NN",
		"created_at DATETIME", "updated_at DATETIME", "quality_tier VARCHAR(16)", "model_version VARCHAR(64)",
		"superseded BOOLEAN NN"},
	"face_detections": {"id INTEGER NN", "asset_id INTEGER NN", "bbox_x FLOAT NN", "bbox_y FLOAT NN", "bbox_w FLOAT NN",
		"bbox_h FLOAT NN", "person_id INTEGER", "embedding_path VARCHAR", "created_at DATETIME", "label_source VARCHAR(16)",
		"label_score FLOAT"},
	"persons": {"id INTEGER NN", "display_name VARCHAR(128)", "embedding_path VARCHAR", "face_count INTEGER NN",
		"created_at DATETIME", "updated_at DATETIME"},
	"video_segments": {"id INTEGER NN", "asset_id INTEGER NN", "start_sec FLOAT NN", "end_sec FLOAT NN",
		"keyframe_path VARCHAR", "embedding_path VARCHAR", "created_at DATETIME"},
	"face_assignment_events": {"id INTEGER NN", "face_id INTEGER", "asset_id INTEGER", "old_person_id INTEGER",
		"new_person_id INTEGER", "old_label_source VARCHAR(16)", "new_label_source VARCHAR(16)", "old_label_score FLOAT",
		"new_label_score FLOAT", "source VARCHAR(16) NN", "reason VARCHAR(64)", "task_id INTEGER", "actor VARCHAR(64)",
		"created_at DATETIME"},
}

// auditTableSQL creates face_assignment_events as that app does when it first records an
// event (it creates the table lazily, so an older catalog may lack it).
var auditTableSQL = []string{
	`CREATE TABLE face_assignment_events (
	id INTEGER NOT NULL, face_id INTEGER, asset_id INTEGER, old_person_id INTEGER, new_person_id INTEGER,
	old_label_source VARCHAR(16), new_label_source VARCHAR(16), old_label_score FLOAT, new_label_score FLOAT,
	source VARCHAR(16) NOT NULL, reason VARCHAR(64), task_id INTEGER, actor VARCHAR(64),
	created_at DATETIME DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (id))`,
	`CREATE INDEX IF NOT EXISTS ix_face_assignment_events_face_id ON face_assignment_events (face_id)`,
	`CREATE INDEX IF NOT EXISTS ix_face_assignment_events_asset_id ON face_assignment_events (asset_id)`,
}

// tableColumns reads a table's columns as knownTables writes them; nil when it is absent.
func tableColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull" FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var (
			name, typ string
			nn        int
		)
		if err := rows.Scan(&name, &typ, &nn); err != nil {
			return nil, err
		}
		c := name + " " + strings.ToUpper(strings.TrimSpace(typ))
		if nn != 0 {
			c += " NN"
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// checkSchema compares the catalog's tables with knownTables and returns ErrSchema with every
// difference. A missing face_assignment_events is created (that app creates it on first use).
func checkSchema(ctx context.Context, db *sql.DB, dryRun bool) error {
	var diffs []string
	names := make([]string, 0, len(knownTables))
	for t := range knownTables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		have, err := tableColumns(ctx, db, t)
		if err != nil {
			return fmt.Errorf("reading the columns of %s: %w", t, err)
		}
		if have == nil && t == "face_assignment_events" {
			if !dryRun {
				for _, stmt := range auditTableSQL {
					if _, err := db.ExecContext(ctx, stmt); err != nil {
						return fmt.Errorf("creating face_assignment_events: %w", err)
					}
				}
			}
			continue
		}
		diffs = append(diffs, compareColumns(t, knownTables[t], have)...)
	}
	if len(diffs) == 0 {
		return nil
	}
	var version string
	_ = db.QueryRowContext(ctx, `SELECT version_num FROM alembic_version`).Scan(&version)
	if version == "" {
		version = "none"
	}
	return fmt.Errorf("%w from the vlmPhotoHouse schema mediafleet writes (alembic %s; this catalog: %s): %s",
		ErrSchema, KnownAlembicVersion, version, strings.Join(diffs, "; "))
}

func compareColumns(table string, want, have []string) []string {
	if have == nil {
		return []string{"table " + table + " is missing"}
	}
	byName := func(cols []string) map[string]string {
		m := map[string]string{}
		for _, c := range cols {
			name, rest, _ := strings.Cut(c, " ")
			m[name] = rest
		}
		return m
	}
	w, h := byName(want), byName(have)
	var diffs []string
	for _, c := range want {
		name, _, _ := strings.Cut(c, " ")
		got, ok := h[name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s.%s is missing", table, name))
		case got != w[name]:
			diffs = append(diffs, fmt.Sprintf("%s.%s is %s, expected %s", table, name, describe(got), describe(w[name])))
		}
	}
	for _, c := range have {
		name, _, _ := strings.Cut(c, " ")
		if _, ok := w[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s.%s is a column mediafleet does not know", table, name))
		}
	}
	return diffs
}

func describe(typ string) string {
	if t, ok := strings.CutSuffix(typ, " NN"); ok {
		return t + " NOT NULL"
	}
	return typ
}
