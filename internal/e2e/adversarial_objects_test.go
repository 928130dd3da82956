package e2e

import "testing"

// TestReplaceIsNotATakeover: PUT of an existing resource replaces it, which
// takes the power to remove it as it is and to register it as it will be.
// A Labelbox Labeler may register its own labels but must not replace a
// colleague's label: the replacement would name the Labeler as owner, and
// the Labeler's "own" condition would then give it the label. Nor may it
// move the label to another project, and a replace by an Admin keeps the
// author as owner.
func TestReplaceIsNotATakeover(t *testing.T) {
	s := startInproc(t, "sqlite", inprocOptions{})
	admin := s.newPerson(t, "admin")
	s.newOrg(t, admin, "lb", "labelbox")
	thief, author := s.newPerson(t, "thief"), s.newPerson(t, "author")
	s.join(t, admin.token, "lb", thief, "labeler")
	s.join(t, admin.token, "lb", author, "labeler")
	for _, p := range []string{"p", "q"} {
		s.do(t, admin.token, "PUT", "/v1/orgs/lb/resources/project/"+p, map[string]any{"name": p}).want(t, 200)
	}
	label := map[string]any{"parent": "project:p", "attributes": map[string]any{"task": "label"}}
	s.do(t, author.token, "PUT", "/v1/orgs/lb/resources/label/x", label).want(t, 200)
	may := func(who person) bool {
		r := s.do(t, who.token, "POST", "/v1/orgs/lb/check", map[string]any{"permission": "label.write", "resource": "label:x"}).want(t, 200)
		return r.obj(t)["allowed"].(bool)
	}
	if may(thief) || !may(author) {
		t.Fatalf("before: thief %v, author %v", may(thief), may(author))
	}
	// The thief's own label is its own business.
	s.do(t, thief.token, "PUT", "/v1/orgs/lb/resources/label/mine", label).want(t, 200)

	for name, body := range map[string]map[string]any{
		"take over":       label,
		"name the owner":  {"parent": "project:p", "owner": thief.id, "attributes": map[string]any{"task": "label"}},
		"move to rework":  {"parent": "project:p", "attributes": map[string]any{"task": "rework"}},
		"move to project": {"parent": "project:q", "attributes": map[string]any{"task": "label"}},
	} {
		r := s.do(t, thief.token, "PUT", "/v1/orgs/lb/resources/label/x", body)
		if r.status < 400 {
			t.Errorf("%s: the Labeler replaced a colleague's label: %d %s", name, r.status, r.body)
		}
	}
	if may(thief) {
		t.Fatal("the Labeler gained label.write on a colleague's label")
	}
	got := s.do(t, admin.token, "GET", "/v1/orgs/lb/resources/label/x", nil).want(t, 200).obj(t)
	if got["owner"] != author.id || got["parent"] != "project:p" {
		t.Fatalf("label after the attempts: %v", got)
	}
	// An Admin's replace (here: sending the label to rework) keeps the author.
	s.do(t, admin.token, "PUT", "/v1/orgs/lb/resources/label/x", map[string]any{"parent": "project:p",
		"attributes": map[string]any{"task": "rework"}}).want(t, 200)
	got = s.do(t, admin.token, "GET", "/v1/orgs/lb/resources/label/x", nil).want(t, 200).obj(t)
	if got["owner"] != author.id {
		t.Fatalf("an Admin's replace took the label's ownership: %v", got)
	}
	if !may(author) {
		t.Fatal("the author lost its label after an Admin's replace")
	}
}
