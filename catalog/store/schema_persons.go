package store

// schemaPersons creates the tables of persons. They only add to version 1 (a mediafleet
// without persons ignores them), so they are created on open without a version step.
// An assignment row has no foreign key to its face: a faces task that runs again replaces
// the face rows, and the assignment (a manual one above all) must outlive that.
var schemaPersons = []string{
	`CREATE TABLE IF NOT EXISTS person_ids (
		next BIGINT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS persons (
		id            BIGINT PRIMARY KEY,
		model_version TEXT NOT NULL,
		name          TEXT NOT NULL DEFAULT '',
		sum           BLOB,
		face_count    INTEGER NOT NULL DEFAULT 0,
		manual_count  INTEGER NOT NULL DEFAULT 0,
		created_at    BIGINT NOT NULL,
		updated_at    BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS persons_version ON persons (model_version)`,
	`CREATE TABLE IF NOT EXISTS person_faces (
		asset         TEXT NOT NULL,
		frame         INTEGER NOT NULL,
		model_version TEXT NOT NULL,
		idx           INTEGER NOT NULL,
		person_id     BIGINT,
		source        TEXT NOT NULL,
		score         DOUBLE PRECISION NOT NULL DEFAULT 0,
		updated_at    BIGINT NOT NULL,
		PRIMARY KEY (asset, frame, model_version, idx)
	)`,
	`CREATE INDEX IF NOT EXISTS person_faces_person ON person_faces (person_id)`,
	`CREATE INDEX IF NOT EXISTS faces_version ON faces (model_version)`,
}
