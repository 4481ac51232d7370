package store

import "context"

// backend is what the shared SQL of sqlStore needs from one database system. Statements
// use $1-style placeholders, which both SQLite and PostgreSQL understand.
type backend interface {
	// tx runs fn in one transaction: a writing one (serialised with other writers) or a
	// reading one (one consistent snapshot).
	tx(ctx context.Context, write bool, fn func(q querier) error) error
	// query runs one read outside a transaction; the rows stream.
	query(ctx context.Context, sql string, args ...any) (rows, error)
	// isForeignKeyViolation tells a missing parent row from other failures.
	isForeignKeyViolation(err error) bool
	// blobType is the column type of binary data.
	blobType() string
	// lockSchema serialises schema creation with other processes, inside q's transaction.
	lockSchema(ctx context.Context, q querier) error
	// lockPersons serialises changes to the persons of one face model version with other
	// processes, inside q's transaction.
	lockPersons(ctx context.Context, q querier, modelVersion string) error
	close() error
}

// querier runs statements inside a transaction.
type querier interface {
	exec(ctx context.Context, sql string, args ...any) error
	query(ctx context.Context, sql string, args ...any) (rows, error)
}

// rows is a result set read row by row.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}
