package main

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The databases the bench writes are sealed with an audit key of their
// own, kept in keyFile as `gatehouse serve --audit-key` reads it: beside a
// SQLite file (the server's default place), in the work directory for
// PostgreSQL.

// freshAuditKey makes a new key file, replacing one a previous run left
// with its database.
func freshAuditKey(keyFile string) (*audit.Key, error) {
	if err := os.Remove(keyFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return audit.CreateKeyFile(keyFile)
}

// keyAudit records in st, sealed with key, that its chains are keyed with
// it, as a first `gatehouse serve` would.
func keyAudit(ctx context.Context, st store.Store, key *audit.Key) error {
	_, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{})
	return err
}
