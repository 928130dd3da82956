package store

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// OversightReader answers what an organization's overview asks: what ends
// soon and what lies unused. Each question has a bounded list (the first
// items) and a count, so an overview never reads a whole organization.
type OversightReader interface {
	// ExpiringGrants lists the grants whose expiry falls in [from, to),
	// soonest first (then by id), at most limit (every one when limit <= 0).
	ExpiringGrants(org string, from, to time.Time, limit int) ([]domain.Grant, error)
	CountExpiringGrants(org string, from, to time.Time) (int, error)
	// IdleMembers lists the members whose account has not signed in since
	// since (or never): those who never did first, then the longest idle,
	// then by user id; at most limit (every one when limit <= 0).
	IdleMembers(org string, since time.Time, limit int) ([]domain.Member, error)
	CountIdleMembers(org string, since time.Time) (int, error)
	// KeyOwners lists the users who own one of the org's keys, revoked
	// ones included, by user id.
	KeyOwners(org string) ([]string, error)
}
