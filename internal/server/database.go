package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// AuditFiles are where the audit key and the checkpoints live, outside the
// database; the zero value puts both beside a SQLite file.
type AuditFiles struct {
	Key         string // the key file; required with PostgreSQL
	Checkpoints string // the signed chain heads, JSON lines; none with PostgreSQL unless set
	// AcceptBroken keys an older version's unkeyed chain of an org although
	// it fails at the given seq, as a refusal to start named.
	AcceptBroken map[string]int64
}

const (
	// KeySuffix and CheckpointsSuffix name the files beside a SQLite
	// database when AuditFiles leaves them unset.
	KeySuffix         = ".audit-key"
	CheckpointsSuffix = ".audit-checkpoints"
)

// IsPostgres reports whether db names a PostgreSQL database.
func IsPostgres(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// RedactDB hides a password in a database URL, for logs.
func RedactDB(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// OpenStore opens the SQLite file or PostgreSQL database db names, sealing
// audit events with sealer.
func OpenStore(ctx context.Context, db string, sealer store.Sealer) (store.Store, error) {
	if db == "" {
		return nil, errors.New("missing --db")
	}
	opts := store.Options{Sealer: sealer}
	if IsPostgres(db) {
		return postgres.New(ctx, db, opts)
	}
	return sqlite.New(ctx, db, opts)
}

// KeyPath is the key file for db: the one given, else beside a SQLite file.
func KeyPath(db, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	if IsPostgres(db) {
		return "", errors.New("missing --audit-key (or GATEHOUSE_AUDIT_KEY): a PostgreSQL database needs the audit key as a file of its own, " +
			"the same for every replica; a first `gatehouse init` or `gatehouse serve` with --audit-key FILE makes it, or `openssl rand -hex 32 > FILE`")
	}
	return db + KeySuffix, nil
}

// CheckpointsPath is the checkpoints file for db: the one given, else
// beside a SQLite file; "" (none) for PostgreSQL without one.
func CheckpointsPath(db, given string) string {
	if given != "" || IsPostgres(db) {
		return given
	}
	return db + CheckpointsSuffix
}

// ParseAcceptBroken reads the ORG:SEQ pairs of --audit-accept-broken.
func ParseAcceptBroken(pairs []string) (map[string]int64, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := map[string]int64{}
	for _, p := range pairs {
		org, seq, ok := strings.Cut(p, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || org == "" || err != nil || n < 1 {
			return nil, fmt.Errorf("--audit-accept-broken %q: want ORG:SEQ, the organization and seq the refusal named", p)
		}
		m[org] = n
	}
	return m, nil
}

// audited is a store whose audit chains are keyed.
type audited struct {
	st          store.Store
	key         *audit.Key
	checkpoints string             // the checkpoints file, "" for none
	known       []audit.Checkpoint // what it held at start
}

// openAudited opens db sealed with its audit key and keys its chains: a
// new database is keyed as it is, an older version's unkeyed chains are
// verified and resealed (see auditchain.Prepare). A missing key file is
// made, unless the database was keyed already: then the file was lost, and
// a new key would only make every chain fail.
func openAudited(ctx context.Context, db string, o AuditFiles, logger *slog.Logger) (_ *audited, err error) {
	path, err := KeyPath(db, o.Key)
	if err != nil {
		return nil, err
	}
	key, err := audit.LoadKeyFile(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if missing {
		key = audit.NewKey()
	} else if err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, db, key.Seal)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	if missing {
		id, at, err := auditchain.KeyID(ctx, st)
		if err != nil {
			return nil, fmt.Errorf("read database: %w", err)
		}
		if id != "" {
			return nil, fmt.Errorf("the audit key file %s does not exist, but the database's audit chains were keyed with key id %s on %s: "+
				"restore that file (or pass --audit-key with it); a new key would make every chain fail", path, id, at.UTC().Format("2006-01-02T15:04:05Z"))
		}
		if err := key.WriteNewFile(path); err != nil {
			return nil, err
		}
		logger.Warn("made a new audit key: keep a copy of it apart from the database, without it no audit chain verifies",
			"file", path, "key_id", key.ID())
	} else if audit.KeyFileTooOpen(path) {
		logger.Warn("the audit key file is readable by others than its owner: chmod 600 it", "file", path)
	}
	a := &audited{st: st, key: key, checkpoints: CheckpointsPath(db, o.Checkpoints)}
	if a.checkpoints != "" {
		var torn bool
		if a.known, torn, err = auditchain.LoadCheckpoints(key, a.checkpoints, false); err != nil {
			return nil, err
		}
		if torn {
			logger.Warn("the checkpoints file ends in a line cut short (a crash while writing it); it is dropped", "file", a.checkpoints)
		}
	}
	if err := keyChains(ctx, st, key, o.AcceptBroken, a.known, logger); err != nil {
		return nil, explainPrepare(err, path, a.checkpoints)
	}
	return a, nil
}

// keyChains keys every chain of st with key, verifying and resealing an
// older version's unkeyed ones.
func keyChains(ctx context.Context, st store.Store, key *audit.Key, accept map[string]int64, known []audit.Checkpoint, logger *slog.Logger) error {
	rekeyed, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{AcceptBroken: accept, Checkpoints: known})
	if err != nil {
		return err
	}
	for _, r := range rekeyed {
		if r.FirstBadSeq != 0 {
			logger.Warn("audit chain keyed as it stands, with its accepted break recorded in its audit.rekey event",
				"org", r.Org, "events", r.Events, "first_bad_seq", r.FirstBadSeq)
		} else {
			logger.Info("audit chain verified and resealed with the audit key", "org", r.Org, "events", r.Events, "key_id", key.ID())
		}
	}
	return nil
}

// explainPrepare adds the operator's way out to an error of Prepare.
func explainPrepare(err error, keyFile, checkpoints string) error {
	var broken *auditchain.BrokenChainError
	var mismatch *auditchain.KeyMismatchError
	switch {
	case errors.As(err, &broken):
		return fmt.Errorf("%w. Restore the database from a backup taken before the damage, or keep it as it is: "+
			"start once with --audit-accept-broken %s:%d, which reseals the chain as it stands and records the break in its %s event",
			err, broken.Org, broken.Seq, auditchain.RekeyAction)
	case errors.As(err, &mismatch):
		return fmt.Errorf("%w (%s): pass --audit-key with the file the database was keyed with", err, keyFile)
	case errors.Is(err, auditchain.ErrUnkeyedWithCheckpoints):
		return fmt.Errorf("%w (%s). Restore the database those checkpoints belong to, or, to accept this one as it is, "+
			"move the checkpoints file aside: its chains are then verified and keyed anew", err, checkpoints)
	}
	return err
}

// OrgIDs lists the organizations of st.
func OrgIDs(ctx context.Context, st store.Store) ([]string, error) {
	var ids []string
	err := st.View(ctx, func(r store.Reader) error {
		var err error
		ids, err = r.ListOrgIDs()
		return err
	})
	return ids, err
}
