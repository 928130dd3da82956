package storetest

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Run checks a backend. open must return a new, empty store configured with
// Seal as its Sealer; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*env)
	}{
		{"Orgs", testOrgs},
		{"Users", testUsers},
		{"Members", testMembers},
		{"MembersPagination", testMembersPagination},
		{"MemberSearch", testMemberSearch},
		{"MemberExpiry", testMemberExpiry},
		{"MemberDefaultRole", testMemberDefaultRole},
		{"Grants", testGrants},
		{"GrantsPagination", testGrantsPagination},
		{"Resources", testResources},
		{"ResourceParents", testResourceParents},
		{"ResourceDeleteCascades", testResourceDeleteCascades},
		{"ResourcesPagination", testResourcesPagination},
		{"TeamsAndGroups", testTeamsAndGroups},
		{"Roles", testRoles},
		{"Keys", testKeys},
		{"KeyPages", testKeyPages},
		{"KeyByHash", testKeyByHash},
		{"Invitations", testInvitations},
		{"Sessions", testSessions},
		{"PasswordResets", testPasswordResets},
		{"Tokens", testTokens},
		{"SCIM", testSCIM},
		{"TenantIsolation", testTenantIsolation},
		{"Revisions", testRevisions},
		{"FailedUpdateWritesNothing", testFailedUpdate},
		{"Audit", testAudit},
		{"AuditPagination", testAuditPagination},
		{"AuditKeying", testAuditKeying},
		{"ChangelogOps", testChangelogOps},
		{"ChangelogRevisions", testChangelogRevisions},
		{"Snapshot", testSnapshot},
		{"SnapshotParts", testSnapshotParts},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ExpiringGrants", testExpiringGrants},
		{"IdleMembers", testIdleMembers},
		{"KeyFilters", testKeyFilters},
		{"AuditNewer", testAuditNewer},
		{"Assignments", testAssignments},
		{"Reviews", testReviews},
		{"Requests", testRequests},
		{"Approvals", testApprovals},
		{"Aliases", testAliases},
		{"SSO", testSSO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(&env{t: t, s: s, ctx: context.Background()})
		})
	}
}
