// Package seed writes the Vi-style org into Gatehouse's stores (SQLite,
// PostgreSQL) through the store's own transactions, for the HTTP and
// cold-start runs, and makes the secret key the load generator uses.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/bench/vi"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// KeyID is the id of the benchmark's secret key; it holds the org role
// admin, so it may ask about any subject (audit.view) and write grants.
const KeyID = "k_bench"

// batch is how many records one Update transaction writes.
const batch = 20_000

// Gatehouse writes o into st: the org, every user and membership, every
// dataset and grant, and an admin key whose secret it returns. Records go
// in a few large Update transactions, each one revision.
func Gatehouse(ctx context.Context, st store.Store, o *vi.Org, progress func(what string, done, total int)) (secret string, err error) {
	return GatehouseBulk(ctx, st, o, nil, progress)
}

// GatehouseBulk is Gatehouse with the grants written by bulk instead of the
// store's transactions, when bulk is set (PostgreSQL's COPY: a million
// single-row inserts over the wire take minutes).
func GatehouseBulk(ctx context.Context, st store.Store, o *vi.Org, bulk func(context.Context, []domain.Grant) error, progress func(what string, done, total int)) (secret string, err error) {
	snap := o.Snapshot()
	secret, prefix, hash := credential.NewKey()
	if progress == nil {
		progress = func(string, int, int) {}
	}
	_, err = st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateOrg(snap.Org); err != nil {
			return err
		}
		if err := tx.PutKey(domain.KeyRecord{Org: vi.OrgID, ID: KeyID, Name: "bench", Prefix: prefix, Hash: hash,
			CreatedBy: "user:" + o.Owner, Owner: o.Owner, CreatedAt: vi.Created}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("seed org: %w", err)
	}
	users := o.Users()
	if err := chunks(ctx, st, len(users), func(tx store.Tx, i int) error {
		return tx.CreateUser(domain.UserRecord{ID: users[i], Email: users[i] + "@bench.example", Name: users[i],
			PasswordHash: "!", CreatedAt: vi.Created})
	}, func(d int) { progress("users", d, len(users)) }); err != nil {
		return "", fmt.Errorf("seed users: %w", err)
	}
	if err := chunks(ctx, st, len(snap.Members), func(tx store.Tx, i int) error {
		return tx.PutMember(snap.Members[i])
	}, func(d int) { progress("members", d, len(snap.Members)) }); err != nil {
		return "", fmt.Errorf("seed members: %w", err)
	}
	if err := chunks(ctx, st, len(snap.Resources), func(tx store.Tx, i int) error {
		return tx.PutResource(snap.Resources[i])
	}, func(d int) { progress("datasets", d, len(snap.Resources)) }); err != nil {
		return "", fmt.Errorf("seed datasets: %w", err)
	}
	keyGrant := domain.Grant{ID: "gr_bench_key", Org: vi.OrgID, Subject: domain.KeySubject(KeyID), Role: "admin",
		Scope: domain.OrgScope(), CreatedBy: "user:" + o.Owner, CreatedAt: vi.Created}
	grants := append(snap.Grants, keyGrant)
	if bulk != nil {
		if err := bulk(ctx, grants); err != nil {
			return "", fmt.Errorf("seed grants: %w", err)
		}
		progress("grants", len(grants), len(grants))
		return secret, nil
	}
	if err := chunks(ctx, st, len(grants), func(tx store.Tx, i int) error {
		return tx.PutGrant(grants[i])
	}, func(d int) { progress("grants", d, len(grants)) }); err != nil {
		return "", fmt.Errorf("seed grants: %w", err)
	}
	return secret, nil
}

func chunks(ctx context.Context, st store.Store, n int, put func(tx store.Tx, i int) error, done func(int)) error {
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if _, err := st.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				if err := put(tx, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		done(hi)
	}
	return nil
}

// Since is a helper for progress lines.
func Since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
