package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/server"
)

// verifyLocalOptions are the flags of `audit verify --db`.
type verifyLocalOptions struct {
	db          string
	org         string
	key         string
	checkpoints []string
}

// verifyLocal verifies audit chains straight from a database, with its key
// and against every checkpoint given. Notes for the operator (no
// checkpoints, a torn last line) go to notes.
func verifyLocal(ctx context.Context, o verifyLocalOptions, notes io.Writer) ([]auditchain.Result, error) {
	path, err := server.KeyPath(o.db, o.key)
	if err != nil {
		return nil, err
	}
	key, err := audit.LoadKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: without the key the database was sealed with, no chain can be verified (the server makes %s on its first start; pass --audit-key)", err, path)
	}
	if err != nil {
		return nil, err
	}
	st, err := server.OpenStore(ctx, o.db, key.Seal)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	id, at, err := auditchain.KeyID(ctx, st)
	if err != nil {
		return nil, err
	}
	switch {
	case id != "" && id != key.ID():
		return nil, &auditchain.KeyMismatchError{DatabaseKeyID: id, KeyID: key.ID(), KeyedAt: at}
	case id == "":
		fmt.Fprintln(notes, "gatehouse: this database's audit chains were never keyed: a server start (or `gatehouse init`) with this key verifies and reseals them")
	}

	files := o.checkpoints
	required := len(files) > 0
	if !required {
		if def := server.CheckpointsPath(o.db, ""); def != "" {
			files = []string{def}
		}
	}
	var cps []audit.Checkpoint
	for _, f := range files {
		got, torn, err := auditchain.LoadCheckpoints(key, f, required)
		if err != nil {
			return nil, err
		}
		if torn {
			fmt.Fprintf(notes, "gatehouse: %s ends in a line cut short (a crash while writing it); it is ignored\n", f)
		}
		cps = append(cps, got...)
	}
	if len(cps) == 0 {
		fmt.Fprintln(notes, "gatehouse: no checkpoints: edits are caught, but not the deletion of the newest events (pass --checkpoints FILE)")
	}

	// Organizations the checkpoints know count too: one whose events are
	// all gone is the bluntest truncation.
	known, err := server.OrgIDs(ctx, st)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, id := range known {
		set[id] = true
	}
	for org := range audit.ByOrg(cps) {
		set[org] = true
	}
	ids := slices.Sorted(maps.Keys(set))
	if o.org != "" {
		if !set[o.org] {
			return nil, fmt.Errorf("organization %q not found in %s", o.org, server.RedactDB(o.db))
		}
		ids = []string{o.org}
	}
	out := make([]auditchain.Result, 0, len(ids))
	for _, id := range ids {
		r, err := auditchain.Verify(ctx, st, key, id, cps)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, nil
}
