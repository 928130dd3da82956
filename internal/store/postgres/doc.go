// Package postgres is Gatehouse's store backend for PostgreSQL (and, over
// the same wire protocol, CockroachDB), for production and for several
// server replicas sharing one database.
//
// Queries run through a pgx pool; migrations run once at start through
// pgx's database/sql adapter, because goose speaks database/sql.
package postgres
