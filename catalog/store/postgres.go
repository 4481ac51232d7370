package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgForeignKeyViolation is PostgreSQL's SQLSTATE for a missing parent row.
const pgForeignKeyViolation = "23503"

// pgDB is a PostgreSQL database reached through a pgx connection pool. Each connection
// takes its settings (search_path among them) from the URL's query parameters.
type pgDB struct {
	pool *pgxpool.Pool
}

var _ backend = (*pgDB)(nil)

// openPostgres connects to the database at a postgres:// URL and checks that it answers.
func openPostgres(ctx context.Context, spec string) (*pgDB, error) {
	cfg, err := pgxpool.ParseConfig(spec)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &pgDB{pool: pool}, nil
}

func (p *pgDB) tx(ctx context.Context, write bool, fn func(q querier) error) error {
	opts := pgx.TxOptions{}
	if !write {
		opts = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	}
	tx, err := p.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(pgQuerier{tx}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

func (p *pgDB) query(ctx context.Context, sql string, args ...any) (rows, error) {
	return pgQuerier{p.pool}.query(ctx, sql, args...)
}

func (p *pgDB) isForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == pgForeignKeyViolation
}

func (p *pgDB) blobType() string { return "BYTEA" }

// lockSchema takes a transaction-scoped advisory lock named for the current schema, so two
// processes starting at once do not race to create the same tables.
func (p *pgDB) lockSchema(ctx context.Context, q querier) error {
	return q.exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mediafleet.store:' || COALESCE(current_schema(), '')))`)
}

// lockPersons takes a transaction-scoped advisory lock named for the schema and the model
// version, so clusterers in any process take turns.
func (p *pgDB) lockPersons(ctx context.Context, q querier, modelVersion string) error {
	return q.exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mediafleet.persons:' || COALESCE(current_schema(), '') || ':' || $1::text))`, modelVersion)
}

func (p *pgDB) close() error {
	p.pool.Close()
	return nil
}

// pgConn is what *pgxpool.Pool and pgx.Tx share.
type pgConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgQuerier runs statements through pgx.
type pgQuerier struct{ c pgConn }

func (q pgQuerier) exec(ctx context.Context, sql string, args ...any) error {
	_, err := q.c.Exec(ctx, sql, args...)
	return err
}

func (q pgQuerier) query(ctx context.Context, sql string, args ...any) (rows, error) {
	return q.c.Query(ctx, sql, args...)
}
