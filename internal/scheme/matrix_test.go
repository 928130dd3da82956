package scheme

import (
	"strings"
	"testing"
)

// tinyMatrix is the tiny scheme's matrix plus a custom role whose name
// needs escaping in Markdown and HTML.
func tinyMatrix(t *testing.T) *Matrix {
	t.Helper()
	s := mustTiny(t)
	x, err := s.CompileRole(domainRole("r.d", "org", "box.view", "state not in (done)"))
	if err != nil {
		t.Fatal(err)
	}
	x.Name = "R&D | <lead>"
	return NewMatrix(s, x)
}

var matrixGolden = map[string]string{
	"md": `# Rights matrix: Tiny

| permission | Boss (boss @ org) | Member (member @ org) | Editor (editor @ box) | R&amp;D \| &lt;lead&gt; (r.d @ org) |
|---|---|---|---|---|
| audit.view | Y | N | N | N |
| org.view | Y | Y | N | N |
| members.manage | Y | N | N | N |
| box.view | Y | N | Y | state not in (done) |
| box.edit | Y | N | own or state in (draft) | N |
| item.view | Y | N | channel in (web) | N |
`,
	"csv": `permission,boss,member,editor,r.d
audit.view,Y,N,N,N
org.view,Y,Y,N,N
members.manage,Y,N,N,N
box.view,Y,N,Y,state not in (done)
box.edit,Y,N,own or state in (draft),N
item.view,Y,N,channel in (web),N
`,
	"html": `<table class="matrix">
<caption>Rights matrix: Tiny</caption>
<thead><tr><th scope="col">permission</th><th scope="col" title="boss @ org">Boss</th><th scope="col" title="member @ org">Member</th><th scope="col" title="editor @ box">Editor</th><th scope="col" title="r.d @ org">R&amp;D | &lt;lead&gt;</th></tr></thead>
<tbody>
<tr><th scope="row" title="">audit.view</th><td class="yes">Y</td><td class="no">N</td><td class="no">N</td><td class="no">N</td></tr>
<tr><th scope="row" title="">org.view</th><td class="yes">Y</td><td class="yes">Y</td><td class="no">N</td><td class="no">N</td></tr>
<tr><th scope="row" title="">members.manage</th><td class="yes">Y</td><td class="no">N</td><td class="no">N</td><td class="no">N</td></tr>
<tr><th scope="row" title="">box.view</th><td class="yes">Y</td><td class="no">N</td><td class="yes">Y</td><td class="cond">state not in (done)</td></tr>
<tr><th scope="row" title="">box.edit</th><td class="yes">Y</td><td class="no">N</td><td class="cond">own or state in (draft)</td><td class="no">N</td></tr>
<tr><th scope="row" title="">item.view</th><td class="yes">Y</td><td class="no">N</td><td class="cond">channel in (web)</td><td class="no">N</td></tr>
</tbody>
</table>
`,
}

func TestMatrixGolden(t *testing.T) {
	m := tinyMatrix(t)
	for format, want := range matrixGolden {
		var b strings.Builder
		if err := m.Write(&b, format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b.String() != want {
			t.Errorf("%s:\n--- got\n%s\n--- want\n%s", format, b.String(), want)
		}
	}
}

func TestMatrixJSON(t *testing.T) {
	s := mustTiny(t)
	ed, _ := s.Role("editor")
	m := &Matrix{Scheme: s, Roles: []*Role{ed}, Permissions: s.Permissions}
	var b strings.Builder
	if err := m.Write(&b, "json"); err != nil {
		t.Fatal(err)
	}
	want := `{
  "roles": [
    {
      "id": "editor",
      "name": "Editor",
      "scope_type": "box",
      "permissions": [
        {
          "id": "box.view",
          "condition": ""
        },
        {
          "id": "box.edit",
          "condition": "own or state in (draft)"
        },
        {
          "id": "item.view",
          "condition": "channel in (web)"
        }
      ]
    }
  ]
}
`
	if b.String() != want {
		t.Errorf("json:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestMatrixUnknownFormat(t *testing.T) {
	err := tinyMatrix(t).Write(&strings.Builder{}, "pdf")
	if err == nil || !strings.Contains(err.Error(), `unknown matrix format "pdf"`) {
		t.Errorf("got %v", err)
	}
}

// Rows of the tables of spec/matrices.md and PRODUCT.md, transcribed: the
// built-in schemes must print them back. T cells (team roles) read Y: the
// team scope, not the role, limits them; channel cells read the condition.
func TestBuiltinMatricesReproduceTheSpec(t *testing.T) {
	const bo, mob = "channel in (backoffice)", "channel in (mobile)"
	deepCols := []string{"users.manage", "dataset.read", "dataset.write", "annotation.read", "annotation.write",
		"model.read", "model.write", "application.read", "application.write", "deployment.read", "deployment.write",
		"ai_review.read", "ai_review.write", "app_config.read", "business_users.manage",
		"work_order.read", "work_order.write", "work_order.delete", "mobile.use", "backoffice.use"}
	deepRows := map[string][]string{
		"org_admin":                 {"Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y"},
		"project_manager":           {"N", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "Y", "N", "Y", "Y", "Y", "Y", "Y"},
		"readonly":                  {"N", "Y", "N", "Y", "N", "Y", "N", "Y", "N", "Y", "N", "Y", "N", "Y", "N", "Y", "N", "N", "N", "Y"},
		"auditor":                   {"N", "Y", "Y", "Y", "Y", "Y", "Y", "N", "N", "N", "N", "Y", "Y", "N", "N", "N", "N", "N", "N", "N"},
		"annotator":                 {"N", "Y", "N", "Y", "Y", "Y", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N"},
		"operation_project_manager": {"N", "N", "N", "N", "N", "N", "N", "Y", "N", "N", "N", "N", "N", "Y", "Y", "Y", "Y", "Y", "Y", "Y"},
		"operator":                  {"N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", bo, bo, "N", "N", "Y"},
		"field_engineer":            {"N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", mob, mob, "N", "Y", "N"},
		"team_admin":                {"N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "Y", "Y", "Y", "Y", "Y", "Y"},
		"team_operator":             {"N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", bo, bo, "N", "N", "Y"},
		"team_field_engineer":       {"N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", "N", mob, mob, "N", "Y", "N"},
	}
	lbCols := []string{"admin", "readonly_admin", "data_admin", "project_lead", "team_manager", "reviewer", "labeler"}
	lbRows := map[string][]string{
		"label.write":              {"Y", "N", "Y", "Y", "Y", "Y", "own or task in (rework)"},
		"label.view":               {"Y", "Y", "Y", "Y", "Y", "Y", "own or task in (rework)"}, // Labeler: see docs/decisions.md
		"project.manage":           {"Y", "N", "Y", "own", "N", "N", "N"},
		"benchmark.receive":        {"Y", "N", "N", "Y", "Y", "Y", "Y"}, // Admin: see docs/decisions.md
		"metrics.view":             {"Y", "Y", "Y", "Y", "Y", "own", "own"},
		"issue.manage":             {"Y", "N", "Y", "Y", "Y", "own", "own"},
		"members.invite":           {"Y", "N", "N", "N", "N", "N", "N"},
		"catalog.filter":           {"Y", "Y", "Y", "Y", "N", "N", "N"},
		"slice.create":             {"Y", "N", "Y", "N", "N", "N", "N"},
		"project.members.manage":   {"Y", "N", "N", "Y", "Y", "N", "N"},
		"model.manage":             {"Y", "N", "Y", "N", "N", "N", "N"},
		"labeling_service.request": {"Y", "N", "N", "N", "N", "N", "N"},
		// seed 004's rows that matrices.md folds, apart
		"batch.create":  {"Y", "N", "Y", "Y", "N", "N", "N"},
		"batch.rename":  {"Y", "N", "Y", "Y", "N", "N", "N"},
		"batch.delete":  {"Y", "N", "Y", "Y", "N", "N", "N"},
		"issue.create":  {"Y", "N", "Y", "Y", "Y", "own", "asset_owner is me"},
		"issue.update":  {"Y", "N", "Y", "Y", "Y", "own", "asset_owner is me"},
		"issue.status":  {"Y", "N", "Y", "Y", "Y", "own", "own"},
		"comment.write": {"Y", "N", "Y", "Y", "Y", "own", "asset_owner is me"},
		"workflow.view": {"Y", "N", "Y", "Y", "Y", "N", "N"},
		"workflow.move": {"Y", "N", "Y", "Y", "Y", "N", "N"},
	}
	viCols := []string{"owner", "admin", "member", "dataset.owner", "dataset.editor", "dataset.viewer", "training.owner", "training.editor", "training.viewer"}
	viRows := map[string][]string{
		"billing.manage":        {"Y", "N", "N", "N", "N", "N", "N", "N", "N"},
		"org.transfer":          {"Y", "N", "N", "N", "N", "N", "N", "N", "N"},
		"members.manage":        {"Y", "Y", "N", "N", "N", "N", "N", "N", "N"},
		"members.view":          {"Y", "Y", "Y", "N", "N", "N", "N", "N", "N"},
		"dataset.upload":        {"Y", "Y", "N", "Y", "Y", "N", "N", "N", "N"},
		"dataset.delete_images": {"Y", "Y", "N", "Y", "N", "N", "N", "N", "N"},
		"dataset.export":        {"Y", "Y", "N", "Y", "N", "N", "N", "N", "N"},
		"training.export":       {"Y", "Y", "N", "N", "N", "N", "Y", "Y", "N"},
		"training.settings":     {"Y", "Y", "N", "N", "N", "N", "Y", "N", "N"},
		"training.view":         {"Y", "Y", "N", "N", "N", "N", "Y", "Y", "Y"},
	}
	cell := func(schemeID, role, perm string) string {
		s, _ := Get(schemeID)
		r, ok := s.Role(role)
		if !ok {
			t.Fatalf("%s: no role %s", schemeID, role)
		}
		p, ok := s.Permission(perm)
		if !ok {
			t.Fatalf("%s: no permission %s", schemeID, perm)
		}
		return Cell(r, p)
	}
	for role, row := range deepRows {
		for i, want := range row {
			if got := cell("deepomatic", role, deepCols[i]); got != want {
				t.Errorf("deepomatic %s %s = %q, want %q", role, deepCols[i], got, want)
			}
		}
	}
	for perm, row := range lbRows {
		for i, want := range row {
			if got := cell("labelbox", lbCols[i], perm); got != want {
				t.Errorf("labelbox %s %s = %q, want %q", lbCols[i], perm, got, want)
			}
		}
	}
	for perm, row := range viRows {
		for i, want := range row {
			if got := cell("vi", viCols[i], perm); got != want {
				t.Errorf("vi %s %s = %q, want %q", viCols[i], perm, got, want)
			}
		}
	}
	// The printed matrix carries the same cells.
	s, _ := Get("deepomatic")
	var b strings.Builder
	if err := NewMatrix(s).Write(&b, "csv"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nwork_order.read,Y,Y,Y,N,N,N,N,Y,Y,"+bo+","+mob+",Y,Y,"+bo+","+mob+",N\n") {
		t.Errorf("deepomatic csv lacks the work_order.read row:\n%s", b.String())
	}
}

// Role names are anyone's text: in Markdown they cannot break the table or
// become HTML, in CSV they cannot become a formula, in HTML they are text.
func TestMatrixEscapesHostileNames(t *testing.T) {
	m := tinyMatrix(t)
	m.Roles[len(m.Roles)-1].Name = "<script>alert(1)</script>|x\n# heading"
	m.Roles[len(m.Roles)-1].ID = "=HYPERLINK(\"http://evil.example\")"
	for format, bad := range map[string][]string{
		"md":   {"<script>", ">|x", "\n# heading"},
		"csv":  {"\n=HYPERLINK", ",=HYPERLINK"},
		"html": {"<script>"},
	} {
		var b strings.Builder
		if err := m.Write(&b, format); err != nil {
			t.Fatal(err)
		}
		for _, s := range bad {
			if strings.Contains(b.String(), s) {
				t.Errorf("%s output carries %q:\n%s", format, s, b.String())
			}
		}
	}
}
