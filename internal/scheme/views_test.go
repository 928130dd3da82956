package scheme

import (
	"strings"
	"testing"
)

// A role that acts on a type must see it there, under a condition its
// action's condition implies (issue: write never without view).
func TestViewPermissionRule(t *testing.T) {
	withView := strings.Replace(tinyYAML, "  - {id: box, owned: true, attributes: [state]}",
		"  - {id: box, owned: true, attributes: [state], view_permission: box.view}", 1)
	if _, err := Parse("tiny.yaml", []byte(withView)); err != nil {
		t.Fatalf("the editor sees every box it edits: %v", err)
	}
	cases := []struct {
		name, old, repl, want string
	}{
		{"view under a narrower condition", "      - box.view\n", "      - {id: box.view, condition: own}\n",
			`role editor holds box.edit under "own or state in (draft)" but box.view only under "own"`},
		{"no view at all", "      - box.view\n", "",
			`role editor holds box.edit but not box.view`},
		{"a view permission of another type", "view_permission: box.view}", "view_permission: item.view}",
			`view_permission "item.view" is not a permission on box`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(withView, c.old, c.repl, 1)
			_, err := Parse("tiny.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	// Viewing permissions marked reads need no view beside them.
	reads := strings.Replace(withView, "  - {id: box.edit, type: box}", "  - {id: box.edit, type: box, reads: true}", 1)
	reads = strings.Replace(reads, "      - box.view\n", "", 1)
	if _, err := Parse("tiny.yaml", []byte(reads)); err != nil {
		t.Fatalf("a reads permission alone: %v", err)
	}
}

// An unquoted comma in a flow mapping used to cut a description at the
// comma; now it is an error naming the line.
func TestUnknownFieldsAreErrors(t *testing.T) {
	src := strings.Replace(tinyYAML, "  - {id: box.view, type: box}", "  - {id: box.view, type: box, description: see, open}", 1)
	_, err := Parse("tiny.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), `unknown field "open"`) || !strings.Contains(err.Error(), "needs quotes") {
		t.Fatalf("got %v", err)
	}
	for _, s := range builtins {
		for _, p := range s.Permissions {
			if p.Description == "" {
				continue
			}
			if strings.HasSuffix(p.Description, ",") {
				t.Errorf("%s %s: description %q", s.ID, p.ID, p.Description)
			}
		}
	}
	vi := builtins["vi"]
	if p, _ := vi.Permission("keys.manage"); p.Description != "create, rotate, revoke secret keys" {
		t.Errorf("vi keys.manage description %q", p.Description)
	}
}

func TestInvitePermissions(t *testing.T) {
	// The Admin's members.invite, and the catalog's "Add new members to the
	// organization" for custom roles; not project.members.manage.
	if got := builtins["labelbox"].InvitePermissions; strings.Join(got, ",") != "members.invite,admin.members.add" {
		t.Errorf("labelbox invites with %v, want members.invite and admin.members.add", got)
	}
	if got := builtins["deepomatic"].InvitePermissions; strings.Join(got, ",") != "users.manage,business_users.manage" {
		t.Errorf("deepomatic invites with %v (default: every user-management permission)", got)
	}
	src := strings.Replace(tinyYAML, "user_management:", "invite_permissions: [members.invite]\nuser_management:", 1)
	if _, err := Parse("tiny.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), `invite_permissions: unknown permission "members.invite"`) {
		t.Fatalf("got %v", err)
	}
}
