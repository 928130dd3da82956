package auditchain

import (
	"context"
	"errors"
	"io/fs"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Result is one organization's verification.
type Result struct {
	Org         string `json:"org"`
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// Verify checks org's chain in st against key and cps, the checkpoints
// signed for it (others' are ignored). An organization with no events and
// no checkpoints verifies; with checkpoints, it has lost its events.
func Verify(ctx context.Context, st store.Store, key *audit.Key, org string, cps []audit.Checkpoint) (Result, error) {
	var mine []audit.Checkpoint
	for _, c := range cps {
		if c.Org == org {
			mine = append(mine, c)
		}
	}
	res := Result{Org: org}
	err := st.View(ctx, func(r store.Reader) error {
		evs, err := r.AllAudit(org)
		if err != nil {
			return err
		}
		v := key.Verifier(mine...)
		for _, e := range evs {
			if !v.Add(e) {
				break
			}
		}
		res.Events = int64(len(evs))
		res.OK, res.FirstBadSeq = v.Result()
		res.Reason = v.Reason()
		return nil
	})
	return res, err
}

// LoadCheckpoints reads the checkpoints file at path, checking every line
// against key. A missing file is no checkpoint at all unless required.
func LoadCheckpoints(key *audit.Key, path string, required bool) (cps []audit.Checkpoint, torn bool, err error) {
	cps, torn, err = key.ReadCheckpointsFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, false, nil
	}
	return cps, torn, err
}
