package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

type raciPerson struct {
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Permission string `json:"permission"`
	Assignment string `json:"assignment"`
	Where      string `json:"where"`
	KeyOwner   bool   `json:"key_owner"`
}

type raciReport struct {
	Scheme string `json:"scheme"`
	Note   string `json:"note"`
	Tables []struct {
		ID   string `json:"id"`
		Rows []struct {
			Letter   string `json:"letter"`
			Sections []struct {
				Scope     string       `json:"scope"`
				ScopeName string       `json:"scope_name"`
				People    []raciPerson `json:"people"`
			} `json:"sections"`
			Unnamed []struct {
				Assignment string `json:"assignment"`
				How        string `json:"how"`
			} `json:"unnamed"`
		} `json:"rows"`
	} `json:"tables"`
}

// people is who a row lists at a scope ("" All), as "email via role or
// assignment".
func (r raciReport) people(table, letter, scope string) []string {
	var out []string
	for _, t := range r.Tables {
		for _, row := range t.Rows {
			if t.ID != table || row.Letter != letter {
				continue
			}
			for _, s := range row.Sections {
				if s.Scope != scope {
					continue
				}
				for _, p := range s.People {
					why := p.Role
					if p.Assignment != "" {
						why = "named " + p.Assignment
					}
					if p.KeyOwner {
						why = "key owner"
					}
					if p.Where != "" {
						why += " at " + p.Where
					}
					out = append(out, p.Email+" via "+why)
				}
			}
		}
	}
	return out
}

func (r raciReport) unnamed(table, letter string) []string {
	var out []string
	for _, t := range r.Tables {
		for _, row := range t.Rows {
			if t.ID == table && row.Letter == letter {
				for _, u := range row.Unnamed {
					out = append(out, u.Assignment)
				}
			}
		}
	}
	return out
}

func same(got []string, want ...string) bool {
	return strings.Join(got, "|") == strings.Join(want, "|")
}

// The RACI report names the people who hold each row: org-wide holders
// under All, dataset and training-project holders under their resource,
// named assignments where the seed asks to record an approver, and what is
// not named yet.
func TestRACIReport(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "business"}).want(t, 200)
		e.owner.resource(t, "acme", "dataset:cats", map[string]any{"name": "Cats"})
		e.owner.resource(t, "acme", "dataset:dogs", map[string]any{"name": "Dogs"})
		e.owner.resource(t, "acme", "training:detector", map[string]any{"name": "Detector"})
		_, adaID := e.member(e.owner, "acme", "ada@acme.test", "member", grant("dataset.editor", "dataset:cats"))
		_, boID := e.member(e.owner, "acme", "bo@acme.test", "member", grant("dataset.viewer", "dataset:cats"))
		e.member(e.owner, "acme", "cy@acme.test", "admin")
		e.member(e.owner, "acme", "dee@acme.test", "member", grant("training.owner", "training:detector"))
		sam, _ := e.member(e.owner, "acme", "sam@acme.test", "member")

		// Named assignments: QA lead for All and another for Cats.
		qa := e.owner.put("/v1/orgs/acme/assignments/QA%20lead", map[string]any{"users": []string{adaID}}).want(t, 200).obj(t)
		if qa["name"] != "QA lead" || qa["scope"] != "" || len(qa["users"].([]any)) != 1 {
			t.Errorf("set QA lead = %v", qa)
		}
		u := qa["users"].([]any)[0].(map[string]any)
		if u["email"] != "ada@acme.test" || u["name"] != "ada" || u["member"] != true {
			t.Errorf("QA lead holder = %v", u)
		}
		e.owner.put("/v1/orgs/acme/assignments/QA%20lead", map[string]any{"users": []string{boID}, "scope": "dataset:cats"}).want(t, 200)

		var rep raciReport
		r := e.key.get("/v1/orgs/acme/reports/raci").want(t, 200)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("json content type %q", ct)
		}
		if err := json.Unmarshal(r.body, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Scheme != "vi" || len(rep.Tables) != 4 {
			t.Fatalf("report: scheme %q, %d tables", rep.Scheme, len(rep.Tables))
		}
		for _, c := range []struct {
			table, letter, scope string
			want                 []string
		}{
			// Labeling R: the Owner and the Admin for every dataset, Ada on Cats only.
			{"labeling", "R", "", []string{"cy@acme.test via admin", ownerEmail + " via owner"}},
			{"labeling", "R", "dataset:cats", []string{"ada@acme.test via dataset.editor"}},
			{"labeling", "R", "dataset:dogs", nil},
			// A: who controls the dataset, and the QA leads named.
			{"labeling", "A", "", []string{"ada@acme.test via named QA lead", "cy@acme.test via admin", ownerEmail + " via owner"}},
			{"labeling", "A", "dataset:cats", []string{"bo@acme.test via named QA lead"}},
			// I: read-only, so Bo (a viewer) and nobody who edits.
			{"labeling", "I", "", nil},
			{"labeling", "I", "dataset:cats", []string{"bo@acme.test via dataset.viewer"}},
			{"training", "A", "training:detector", []string{"dee@acme.test via training.owner"}},
			// Dataset owners are consulted on training: org-wide ones only here.
			{"training", "C", "", []string{"cy@acme.test via admin", ownerEmail + " via owner"}},
			{"export", "R", "training:detector", []string{"dee@acme.test via training.owner"}},
			{"keys-billing", "A", "", []string{ownerEmail + " via owner"}},
			{"keys-billing", "I", "", []string{ownerEmail + " via key owner"}},
		} {
			if got := rep.people(c.table, c.letter, c.scope); !same(got, c.want...) {
				t.Errorf("%s %s at %q = %q, want %q", c.table, c.letter, c.scope, got, c.want)
			}
		}
		if got := rep.unnamed("labeling", "A"); len(got) != 0 {
			t.Errorf("labeling A unnamed %v, want none (QA lead is named)", got)
		}
		if got := rep.unnamed("export", "A"); !same(got, "Production approver") {
			t.Errorf("export A unnamed %v", got)
		}
		for _, tb := range rep.Tables {
			for _, row := range tb.Rows {
				for _, s := range row.Sections {
					for _, p := range s.People {
						if p.Name == "" || p.Email == "" || p.UserID == "" {
							t.Errorf("%s %s: a person without a name or email: %+v", tb.ID, row.Letter, p)
						}
					}
				}
			}
		}

		md := e.key.get("/v1/orgs/acme/reports/raci?format=md").want(t, 200)
		if ct := md.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
			t.Errorf("md content type %q", ct)
		}
		for _, want := range []string{"## Labeling and dataset QA", "| RACI | Typical owner | Who, in this organization | Notes |",
			"Cats: ada (ada@acme.test), Dataset Editor (dataset.annotate)", "All: ada (ada@acme.test), named QA lead",
			"Production approver: not named yet"} {
			if !strings.Contains(string(md.body), want) {
				t.Errorf("markdown lacks %q:\n%s", want, md.body)
			}
		}

		c := e.key.get("/v1/orgs/acme/reports/raci?format=csv").want(t, 200)
		if ct := c.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("csv content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(string(c.body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != "table,letter,activity,scope,name,email,user_id,because" {
			t.Errorf("csv header %v", rows[0])
		}
		found := false
		for _, row := range rows[1:] {
			found = found || (row[0] == "Labeling and dataset QA" && row[1] == "R" && row[3] == "Cats" && row[5] == "ada@acme.test" && row[6] == adaID)
		}
		if !found {
			t.Errorf("csv lacks Ada responsible for labeling Cats:\n%s", c.body)
		}

		h := e.key.get("/v1/orgs/acme/reports/raci?format=html").want(t, 200)
		if ct := h.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("html content type %q", ct)
		}
		for _, want := range []string{"<!doctype html>", "@media print", "<h2 id=\"raci-labeling\">Labeling and dataset QA</h2>", "ada &lt;ada@acme.test&gt;"} {
			if !strings.Contains(string(h.body), want) {
				t.Errorf("html lacks %q", want)
			}
		}

		e.key.get("/v1/orgs/acme/reports/raci?format=xml").want(t, 400)
		sam.get("/v1/orgs/acme/reports/raci").want(t, 403)

		// A scheme without a RACI template says so, and has no tables.
		e.owner.post("/v1/orgs", map[string]any{"id": "lb", "name": "LB", "scheme": "labelbox"}).want(t, 201)
		var lb raciReport
		if err := json.Unmarshal(e.owner.get("/v1/orgs/lb/reports/raci").want(t, 200).body, &lb); err != nil {
			t.Fatal(err)
		}
		if lb.Scheme != "labelbox" || len(lb.Tables) != 0 || !strings.Contains(lb.Note, "no RACI template") {
			t.Errorf("labelbox report: %+v", lb)
		}
	})
}

// Named assignments: user managers set and delete them (audited), the
// auditors read them, members cannot, and only members can be named.
func TestAssignments(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", map[string]any{"name": "Cats"})
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		_, outsiderID := e.member(e.owner, "acme", "gone@acme.test", "member")
		e.owner.delete("/v1/orgs/acme/members/"+outsiderID).want(t, 200, 204)

		path := "/v1/orgs/acme/assignments/" + url.PathEscape("Security lead")
		set := e.owner.put(path, map[string]any{"users": []string{samID}}).want(t, 200)
		if set.header.Get("Gatehouse-Revision") == "" {
			t.Errorf("no revision header")
		}
		e.owner.put("/v1/orgs/acme/assignments/Eval%20owner", map[string]any{"users": []string{samID}, "scope": "dataset:cats"}).want(t, 200)
		items := e.key.get("/v1/orgs/acme/assignments").want(t, 200).items(t)
		if len(items) != 2 || items[0]["name"] != "Eval owner" || items[0]["scope_name"] != "Cats" || items[1]["name"] != "Security lead" {
			t.Errorf("list = %v", items)
		}

		ev := e.owner.get("/v1/orgs/acme/audit?action=assignment.set").want(t, 200).items(t)
		if len(ev) != 2 || ev[1]["target"] != "assignment:Security lead" || !strings.Contains(string(mustJSON(ev[1]["after"])), samID) {
			t.Errorf("audit of assignment.set = %v", ev)
		}

		// Only members; a bad scope; a bad name; nobody named.
		if d := e.owner.put(path, map[string]any{"users": []string{outsiderID}}).want(t, 422).detail(t); !strings.Contains(d, "not a member") {
			t.Errorf("former member: %q", d)
		}
		e.owner.put(path, map[string]any{"users": []string{"u_nobody"}}).want(t, 422)
		e.owner.put(path, map[string]any{"users": []string{samID}, "scope": "dataset:nope"}).want(t, 422)
		e.owner.put(path, map[string]any{"users": []string{}}).want(t, 422)
		e.owner.put("/v1/orgs/acme/assignments/%20", map[string]any{"users": []string{samID}}).want(t, 422)

		// A member may neither read nor set them.
		sam.get("/v1/orgs/acme/assignments").want(t, 403)
		sam.put(path, map[string]any{"users": []string{samID}}).want(t, 403)
		sam.delete(path).want(t, 403)

		e.owner.delete(path).want(t, 204)
		e.owner.delete(path).want(t, 404)
		e.owner.delete("/v1/orgs/acme/assignments/Eval%20owner").want(t, 404) // it is Cats'
		e.owner.delete("/v1/orgs/acme/assignments/Eval%20owner?scope=dataset:cats").want(t, 204)
		if n := len(e.key.get("/v1/orgs/acme/assignments").want(t, 200).items(t)); n != 0 {
			t.Errorf("%d assignments left", n)
		}
		del := e.owner.get("/v1/orgs/acme/audit?action=assignment.delete").want(t, 200).items(t)
		if len(del) != 2 {
			t.Errorf("audit of assignment.delete = %v", del)
		}
	})
}
