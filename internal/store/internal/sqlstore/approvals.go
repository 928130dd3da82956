package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const gateCols = `org, permission, approver_role, created_by, created_at`

func scanGate(s scanner) (domain.Gate, error) {
	var g domain.Gate
	err := s.Scan(&g.Org, &g.Permission, &g.ApproverRole, &g.CreatedBy, ts(&g.CreatedAt))
	return g, err
}

func (t *Tx) PutGate(g domain.Gate) error {
	_, err := t.exec(`INSERT INTO approval_gates (`+gateCols+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (org, permission) DO UPDATE SET approver_role = excluded.approver_role,
			created_by = excluded.created_by, created_at = excluded.created_at`,
		g.Org, g.Permission, g.ApproverRole, g.CreatedBy, t.tm(g.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: put gate on %q of org %q: %w", g.Permission, g.Org, err)
	}
	return nil
}

func (t *Tx) DeleteGate(org, permission string) error {
	return t.execOne(fmt.Sprintf("delete gate on %q of org %q", permission, org),
		`DELETE FROM approval_gates WHERE org = $1 AND permission = $2`, org, permission)
}

func (t *Tx) GetGate(org, permission string) (domain.Gate, error) {
	return get(t, fmt.Sprintf("gate on %q of org %q", permission, org), scanGate,
		`SELECT `+gateCols+` FROM approval_gates WHERE org = $1 AND permission = $2`, org, permission)
}

func (t *Tx) ListGates(org string) ([]domain.Gate, error) {
	return list(t, fmt.Sprintf("list gates of org %q", org), scanGate,
		`SELECT `+gateCols+` FROM approval_gates WHERE org = $1 ORDER BY permission`, org)
}

const approvalCols = `org, id, subject_kind, subject_id, permission, resource, from_at, until_at, approver, reason,
	created_at, ended_at, ended_by`

func scanApproval(s scanner) (domain.Approval, error) {
	var a domain.Approval
	var kind int
	err := s.Scan(&a.Org, &a.ID, &kind, &a.Subject.ID, &a.Permission, &a.Resource, ts(&a.From), ts(&a.Until),
		&a.Approver, &a.Reason, ts(&a.CreatedAt), ts(&a.EndedAt), &a.EndedBy)
	a.Subject.Kind = domain.SubjectKind(kind)
	return a, err
}

func (t *Tx) PutApproval(a domain.Approval) error {
	_, err := t.exec(`INSERT INTO approvals (`+approvalCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (org, id) DO UPDATE SET subject_kind = excluded.subject_kind, subject_id = excluded.subject_id,
			permission = excluded.permission, resource = excluded.resource, from_at = excluded.from_at,
			until_at = excluded.until_at, approver = excluded.approver, reason = excluded.reason,
			created_at = excluded.created_at, ended_at = excluded.ended_at, ended_by = excluded.ended_by`,
		a.Org, a.ID, int(a.Subject.Kind), a.Subject.ID, a.Permission, a.Resource, t.tm(a.From), t.tm(a.Until),
		a.Approver, a.Reason, t.tm(a.CreatedAt), t.tm(a.EndedAt), a.EndedBy)
	if err != nil {
		return fmt.Errorf("store: put approval %q of org %q: %w", a.ID, a.Org, err)
	}
	return nil
}

func (t *Tx) GetApproval(org, id string) (domain.Approval, error) {
	return get(t, fmt.Sprintf("approval %q of org %q", id, org), scanApproval,
		`SELECT `+approvalCols+` FROM approvals WHERE org = $1 AND id = $2`, org, id)
}

// ListApprovals lists an org's windows newest first: those open at f.At
// (ActiveApproval), those over by then, ended early or run out
// (EndedApproval), or all.
func (t *Tx) ListApprovals(org string, f store.ApprovalFilter) ([]domain.Approval, error) {
	where, args := `org = $1`, []any{org}
	switch f.State {
	case store.ActiveApproval:
		args = append(args, t.tm(f.At))
		where += ` AND ended_at IS NULL AND from_at <= $2 AND until_at > $2`
	case store.EndedApproval:
		args = append(args, t.tm(f.At))
		where += ` AND (ended_at IS NOT NULL OR until_at <= $2)`
	}
	return list(t, fmt.Sprintf("list approvals of org %q", org), scanApproval,
		`SELECT `+approvalCols+` FROM approvals WHERE `+where+` ORDER BY pos DESC`, args...)
}

// openApprovals are the windows not ended early, oldest first, for the
// snapshot; whether each is still running is the engine's to judge.
func (t *Tx) openApprovals(org string) ([]domain.Approval, error) {
	return list(t, fmt.Sprintf("snapshot approvals of org %q", org), scanApproval,
		`SELECT `+approvalCols+` FROM approvals WHERE org = $1 AND ended_at IS NULL ORDER BY pos`, org)
}
