package audit

import "github.com/gatehouse/gatehouse/internal/domain"

// Seal and Verify are the unkeyed functions under their old names, kept only
// until every caller is given a key; the next commits remove them.
func Seal(prevHash string, e *domain.AuditEvent) { LegacySeal(prevHash, e) }

func Verify(events []domain.AuditEvent) (bool, int64) { return VerifyLegacy(events) }
