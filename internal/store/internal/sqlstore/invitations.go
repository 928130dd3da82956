package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const invitationCols = `org, id, email, role, grants, token_hash, invited_by, created_at, expires_at,
	accepted_at, revoked_at, membership_expires_at`

func scanInvitation(s scanner) (domain.Invitation, error) {
	var i domain.Invitation
	var grants []byte
	if err := s.Scan(&i.Org, &i.ID, &i.Email, &i.Role, &grants, &i.TokenHash, &i.InvitedBy,
		ts(&i.CreatedAt), ts(&i.ExpiresAt), ts(&i.AcceptedAt), ts(&i.RevokedAt), ts(&i.MembershipExpiresAt)); err != nil {
		return i, err
	}
	return i, fromJSON(grants, &i.Grants)
}

func (t *Tx) PutInvitation(i domain.Invitation) error {
	what := fmt.Sprintf("put invitation %q of org %q", i.ID, i.Org)
	grants, err := jsonText(i.Grants)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	_, err = t.exec(`INSERT INTO invitations (`+invitationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (org, id) DO UPDATE SET email = excluded.email, role = excluded.role, grants = excluded.grants,
			token_hash = excluded.token_hash, invited_by = excluded.invited_by, created_at = excluded.created_at,
			expires_at = excluded.expires_at, accepted_at = excluded.accepted_at, revoked_at = excluded.revoked_at,
			membership_expires_at = excluded.membership_expires_at`,
		i.Org, i.ID, i.Email, i.Role, grants, bytesOrNull(i.TokenHash), i.InvitedBy,
		t.tm(i.CreatedAt), t.tm(i.ExpiresAt), t.tm(i.AcceptedAt), t.tm(i.RevokedAt), t.tm(i.MembershipExpiresAt))
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func (t *Tx) GetInvitation(org, id string) (domain.Invitation, error) {
	return get(t, fmt.Sprintf("invitation %q of org %q", id, org), scanInvitation,
		`SELECT `+invitationCols+` FROM invitations WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) GetInvitationByTokenHash(hash []byte) (domain.Invitation, error) {
	if len(hash) == 0 {
		return domain.Invitation{}, fmt.Errorf("store: invitation by token: %w", store.ErrNotFound)
	}
	return get(t, "invitation by token", scanInvitation,
		`SELECT `+invitationCols+` FROM invitations WHERE token_hash = $1`, hash)
}

func (t *Tx) ListInvitations(org string) ([]domain.Invitation, error) {
	return list(t, fmt.Sprintf("list invitations of org %q", org), scanInvitation,
		`SELECT `+invitationCols+` FROM invitations WHERE org = $1 ORDER BY pos`, org)
}

// CountPendingInvitations counts what domain.Invitation.Pending accepts,
// so seat checks can reserve seats for invitations still open.
func (t *Tx) CountPendingInvitations(org string, now time.Time) (int, error) {
	var n int
	err := t.one(fmt.Sprintf("count pending invitations of org %q", org),
		`SELECT COUNT(*) FROM invitations WHERE org = $1 AND accepted_at IS NULL AND revoked_at IS NULL
			AND expires_at > $2`, []any{org, t.tm(now)}, &n)
	return n, err
}
