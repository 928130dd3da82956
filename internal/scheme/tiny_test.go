package scheme

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// tinyYAML is a small valid scheme the tests mutate, one entry per line so
// that errors can be located.
const tinyYAML = `id: tiny
name: Tiny
top_role: boss
base_role: member
audit_permission: audit.view
channels: [web, mobile]
resource_types:
  - {id: box, owned: true, attributes: [state]}
  - {id: item, parent: box}
permissions:
  - {id: audit.view, type: org}
  - {id: org.view, type: org}
  - {id: members.manage, type: org}
  - {id: box.view, type: box}
  - {id: box.edit, type: box}
  - {id: item.view, type: item}
roles:
  - id: boss
    name: Boss
    scope_type: org
    permissions: ["*"]
  - id: member
    name: Member
    scope_type: org
    permissions: [org.view]
  - id: editor
    name: Editor
    scope_type: box
    permissions:
      - box.view
      - {id: box.edit, condition: own or state in (draft)}
      - {id: item.view, condition: "channel in (web)"}
user_management:
  - permission: members.manage
`

func mustTiny(t *testing.T) *Scheme {
	t.Helper()
	s, err := Parse("tiny.yaml", []byte(tinyYAML))
	if err != nil {
		t.Fatalf("tiny scheme: %v", err)
	}
	return s
}

// mutate replaces old (which must occur once) with repl in the tiny scheme
// and returns the result and the 1-based line where repl starts.
func mutate(t *testing.T, old, repl string) (string, int) {
	t.Helper()
	if strings.Count(tinyYAML, old) != 1 {
		t.Fatalf("mutate: %q occurs %d times", old, strings.Count(tinyYAML, old))
	}
	i := strings.Index(tinyYAML, old)
	return tinyYAML[:i] + repl + tinyYAML[i+len(old):], strings.Count(tinyYAML[:i], "\n") + 1
}

func domainRole(id, scopeType, perm, cond string) domain.Role {
	return domain.Role{ID: id, Name: "R " + id, ScopeType: scopeType,
		Permissions: []domain.RolePermission{{ID: perm, Condition: cond}}}
}
