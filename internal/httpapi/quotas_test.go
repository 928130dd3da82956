package httpapi_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/team"
)

// Quotas answer 409 with a sentence that names the limit and its flag.
func TestQuotas(t *testing.T) {
	q := team.Quotas{OrgsPerUser: 2, KeysPerOrg: 2, RolesPerOrg: 1, PendingInvitations: 1}
	runWith(t, envOptions{quotas: q}, func(t *testing.T, e *env) {
		refused := func(r *response, flag string) {
			t.Helper()
			if d := r.want(t, 409).detail(t); !strings.Contains(d, "quota reached") || !strings.Contains(d, flag) {
				t.Errorf("quota answer %q does not name --%s", d, flag)
			}
		}
		// The owner owns acme; one more, then no more.
		e.owner.post("/v1/orgs", map[string]any{"id": "second", "name": "Second"}).want(t, 201)
		refused(e.owner.post("/v1/orgs", map[string]any{"id": "third", "name": "Third"}), "max-orgs-per-user")

		// The bootstrap key is one live key; revoking one frees its place.
		id := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "k1", "role": "member"}).want(t, 201).str(t, "id")
		refused(e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "k2", "role": "member"}), "max-keys-per-org")
		e.owner.delete("/v1/orgs/acme/keys/"+id).want(t, 204)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "k3", "role": "member"}).want(t, 201)

		role := func(id string) map[string]any {
			return map[string]any{"id": id, "name": id, "scope_type": "org", "permissions": []any{map[string]any{"id": "org.view"}}}
		}
		e.owner.post("/v1/orgs/acme/roles", role("r1")).want(t, 201)
		refused(e.owner.post("/v1/orgs/acme/roles", role("r2")), "max-roles-per-org")

		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "a@acme.test"}).want(t, 201)
		refused(e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "b@acme.test"}), "max-pending-invitations")
	})
}
