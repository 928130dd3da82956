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

// TestGroupMembershipIsAGrant: a group's members hold its grants, so
// joining a group is receiving its roles. An Admin (no billing.view in vi)
// must not join a group to which the Owner gave a custom billing role, nor
// take it away from others by removing them or deleting the group; the
// Owner may do all three.
func TestGroupMembershipIsAGrant(t *testing.T) {
	s := startInproc(t, "sqlite", inprocOptions{})
	owner, adm, payer := s.newPerson(t, "owner"), s.newPerson(t, "admin"), s.newPerson(t, "payer")
	s.newOrg(t, owner, "acme", "vi")
	s.join(t, owner.token, "acme", adm, "admin")
	s.join(t, owner.token, "acme", payer, "member")
	s.do(t, owner.token, "POST", "/v1/orgs/acme/roles", map[string]any{"id": "billing.reader", "name": "Billing reader",
		"scope_type": "org", "permissions": []map[string]any{{"id": "org.view"}, {"id": "billing.view"}}}).want(t, 201)
	g := s.do(t, owner.token, "POST", "/v1/orgs/acme/groups", map[string]any{"name": "finance"}).want(t, 201).str(t, "id")
	s.do(t, owner.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "billing.reader", "scope": "org"}).want(t, 201)
	s.do(t, owner.token, "PUT", "/v1/orgs/acme/groups/"+g+"/members/"+payer.id, nil).want(t, 204)

	// The Admin cannot grant the role directly ...
	s.do(t, adm.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + adm.id, "role": "billing.reader", "scope": "org"}).want(t, 403)
	// ... nor through the group, nor take it from the payer.
	s.do(t, adm.token, "PUT", "/v1/orgs/acme/groups/"+g+"/members/"+adm.id, nil).want(t, 403)
	s.do(t, adm.token, "GET", "/v1/orgs/acme/billing", nil).want(t, 403)
	s.do(t, adm.token, "DELETE", "/v1/orgs/acme/groups/"+g+"/members/"+payer.id, nil).want(t, 403)
	s.do(t, adm.token, "DELETE", "/v1/orgs/acme/groups/"+g, nil).want(t, 403)
	s.do(t, payer.token, "GET", "/v1/orgs/acme/billing", nil).want(t, 200)

	// A group holding only what the Admin holds is the Admin's to manage.
	g2 := s.do(t, owner.token, "POST", "/v1/orgs/acme/groups", map[string]any{"name": "viewers"}).want(t, 201).str(t, "id")
	s.do(t, adm.token, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{}).want(t, 200)
	s.do(t, adm.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g2, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
	s.do(t, adm.token, "PUT", "/v1/orgs/acme/groups/"+g2+"/members/"+payer.id, nil).want(t, 204)
	s.do(t, adm.token, "DELETE", "/v1/orgs/acme/groups/"+g2, nil).want(t, 204)

	// The Owner manages the billing group.
	s.do(t, owner.token, "DELETE", "/v1/orgs/acme/groups/"+g+"/members/"+payer.id, nil).want(t, 204)
	s.do(t, payer.token, "GET", "/v1/orgs/acme/billing", nil).want(t, 403)
	s.do(t, owner.token, "DELETE", "/v1/orgs/acme/groups/"+g, nil).want(t, 204)
}

// TestKeyCannotHoldUniqueTop: a secret key holding the top role would be one
// more holder of it. In vi the Owner is unique and changes hands only by
// transfer, so not even the Owner makes a key holding it; where the top
// role is shared (labelbox's admin) a holder may, a key may not.
func TestKeyCannotHoldUniqueTop(t *testing.T) {
	s := startInproc(t, "sqlite", inprocOptions{})
	owner := s.newPerson(t, "owner")
	s.newOrg(t, owner, "acme", "vi")
	s.do(t, owner.token, "POST", "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "owner"}).want(t, 403)
	s.do(t, owner.token, "POST", "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "admin"}).want(t, 201)

	admin := s.newPerson(t, "admin")
	s.newOrg(t, admin, "lb", "labelbox")
	_, secret := s.newKey(t, admin.token, "lb", "admin", "org")
	s.do(t, secret, "POST", "/v1/orgs/lb/keys", map[string]any{"name": "k2", "role": "admin"}).want(t, 403)
	s.do(t, secret, "POST", "/v1/orgs/lb/keys", map[string]any{"name": "k2", "role": "labeler"}).want(t, 201)
}

// TestNoResourceExistenceOracle: a caller without power over resources
// learns nothing of which exist: every operation on a resource answers it
// the same for one that exists (and it cannot see) as for one that does
// not. (POST check answers 404 for an unknown resource by design: the
// platform's services need to tell, and any member may ask.)
func TestNoResourceExistenceOracle(t *testing.T) {
	s := startInproc(t, "sqlite", inprocOptions{})
	owner, m := s.newPerson(t, "owner"), s.newPerson(t, "member")
	s.newOrg(t, owner, "acme", "vi")
	s.join(t, owner.token, "acme", m, "member")
	s.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/secret", map[string]any{"name": "Secret"}).want(t, 200)
	s.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/mine", map[string]any{}).want(t, 200)
	_, key := s.newKey(t, owner.token, "acme", "dataset.viewer", "dataset:mine")
	for _, who := range []struct{ name, token string }{{"member", m.token}, {"dataset key", key}} {
		for _, op := range []struct {
			method, suffix string
			body           any
		}{
			{"GET", "", nil},
			{"DELETE", "", nil},
			{"PUT", "", map[string]any{"name": "Mine now"}},
			{"GET", "/access", nil},
		} {
			a := s.do(t, who.token, op.method, "/v1/orgs/acme/resources/dataset/secret"+op.suffix, op.body)
			b := s.do(t, who.token, op.method, "/v1/orgs/acme/resources/dataset/no-such-thing"+op.suffix, op.body)
			if a.status != b.status || a.status < 400 {
				t.Errorf("%s %s%s as %s: %d for an existing dataset, %d for none", op.method, "dataset", op.suffix, who.name, a.status, b.status)
			}
		}
	}
	if r := s.do(t, owner.token, "GET", "/v1/orgs/acme/resources/dataset/secret", nil).want(t, 200).obj(t); r["name"] != "Secret" {
		t.Errorf("the dataset changed: %v", r)
	}
}
