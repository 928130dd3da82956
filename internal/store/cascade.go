package store

import "github.com/gatehouse/gatehouse/internal/domain"

// DeleteGrantsAt deletes every grant scoped at one of the resources refs
// names, as a resource's deletion requires in the same transaction, and
// returns them.
func DeleteGrantsAt(tx Tx, org string, refs []domain.Ref) ([]domain.Grant, error) {
	var gone []domain.Grant
	for _, x := range refs {
		gs, _, err := tx.ListGrants(org, GrantFilter{Scope: domain.ResourceScope(x.Type, x.ID)}, "", 0)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if err := tx.DeleteGrant(org, g.ID); err != nil {
				return nil, err
			}
		}
		gone = append(gone, gs...)
	}
	return gone, nil
}
