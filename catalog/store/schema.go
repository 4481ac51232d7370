package store

import (
	"context"
	"fmt"
	"strings"
)

// schemaVersion is the version of the tables this code reads and writes. A later version
// adds a step to migrate and bumps it.
const schemaVersion = 1

// schemaV1 creates the tables of version 1. BLOB is replaced by the backend's binary type.
// Times are Unix nanoseconds (0: unknown); bbox and landmarks are JSON arrays; an embedding
// is little-endian float32.
var schemaV1 = []string{
	`CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS assets (
		key        TEXT PRIMARY KEY,
		path       TEXT NOT NULL,
		sha256     TEXT NOT NULL DEFAULT '',
		mime       TEXT NOT NULL DEFAULT '',
		media      TEXT NOT NULL DEFAULT '',
		size       BIGINT NOT NULL DEFAULT 0,
		mtime      BIGINT NOT NULL DEFAULT 0,
		updated_at BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS assets_path ON assets (path)`,
	`CREATE TABLE IF NOT EXISTS videos (
		asset         TEXT NOT NULL REFERENCES assets (key) ON DELETE CASCADE,
		model_version TEXT NOT NULL,
		duration      DOUBLE PRECISION NOT NULL,
		fps           DOUBLE PRECISION NOT NULL,
		width         INTEGER NOT NULL,
		height        INTEGER NOT NULL,
		updated_at    BIGINT NOT NULL,
		PRIMARY KEY (asset, model_version)
	)`,
	`CREATE TABLE IF NOT EXISTS keyframes (
		asset         TEXT NOT NULL,
		model_version TEXT NOT NULL,
		idx           INTEGER NOT NULL,
		ts            DOUBLE PRECISION NOT NULL,
		path          TEXT NOT NULL,
		w             INTEGER NOT NULL,
		h             INTEGER NOT NULL,
		PRIMARY KEY (asset, model_version, idx),
		FOREIGN KEY (asset, model_version) REFERENCES videos (asset, model_version) ON DELETE CASCADE
	)`,
	`CREATE TABLE IF NOT EXISTS face_scans (
		asset         TEXT NOT NULL REFERENCES assets (key) ON DELETE CASCADE,
		frame         INTEGER NOT NULL,
		model_version TEXT NOT NULL,
		image         TEXT NOT NULL,
		width         INTEGER NOT NULL,
		height        INTEGER NOT NULL,
		count         INTEGER NOT NULL,
		updated_at    BIGINT NOT NULL,
		PRIMARY KEY (asset, frame, model_version)
	)`,
	`CREATE TABLE IF NOT EXISTS faces (
		asset         TEXT NOT NULL,
		frame         INTEGER NOT NULL,
		model_version TEXT NOT NULL,
		idx           INTEGER NOT NULL,
		bbox          TEXT NOT NULL,
		score         DOUBLE PRECISION NOT NULL,
		landmarks     TEXT NOT NULL,
		embedding     BLOB,
		dim           INTEGER NOT NULL,
		crop_path     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (asset, frame, model_version, idx),
		FOREIGN KEY (asset, frame, model_version)
			REFERENCES face_scans (asset, frame, model_version) ON DELETE CASCADE
	)`,
	`CREATE TABLE IF NOT EXISTS captions (
		asset         TEXT NOT NULL REFERENCES assets (key) ON DELETE CASCADE,
		frame         INTEGER NOT NULL,
		model_version TEXT NOT NULL,
		text          TEXT NOT NULL,
		model         TEXT NOT NULL DEFAULT '',
		prompt        TEXT NOT NULL DEFAULT '',
		backend       TEXT NOT NULL DEFAULT '',
		latency_ms    DOUBLE PRECISION NOT NULL DEFAULT 0,
		updated_at    BIGINT NOT NULL,
		PRIMARY KEY (asset, frame, model_version)
	)`,
}

// migrate creates the tables when absent and records the schema version, refusing a store
// written by a newer mediafleet.
func migrate(ctx context.Context, b backend) error {
	return b.tx(ctx, true, func(q querier) error {
		if err := b.lockSchema(ctx, q); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
		for _, stmt := range append(append(append([]string(nil), schemaV1...), schemaPersons...), schemaFrames...) {
			if err := q.exec(ctx, strings.ReplaceAll(stmt, "BLOB", b.blobType())); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		var have int
		if _, err := queryOne(ctx, q, `SELECT COALESCE(MAX(version), 0) FROM schema_version`, nil, &have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		switch {
		case have > schemaVersion:
			return fmt.Errorf("schema version %d is newer than this mediafleet knows (%d): upgrade mediafleet", have, schemaVersion)
		case have == 0:
			return q.exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, schemaVersion)
		}
		return nil
	})
}

// queryOne scans the first row of a query into dest; found is false when there is none.
func queryOne(ctx context.Context, q querier, sql string, args []any, dest ...any) (found bool, err error) {
	r, err := q.query(ctx, sql, args...)
	if err != nil {
		return false, err
	}
	defer r.Close()
	if r.Next() {
		if err := r.Scan(dest...); err != nil {
			return false, err
		}
		found = true
	}
	return found, r.Err()
}
