package scheme

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// Matrix is a rights matrix: roles × the permission catalog. Cells read "Y",
// "N" or the condition under which the role holds the permission.
type Matrix struct {
	Scheme      *Scheme
	Roles       []*Role
	Permissions []*Permission
	// Uses says, per permission id, what Gatehouse's own endpoints use it
	// for; a permission absent from it is one only the platform checks
	// (through /check). Nil: the matrix has no such column.
	Uses map[string]string
}

// PlatformOnly is the Uses cell of a permission Gatehouse's own endpoints
// never ask for: the platform enforces it by asking /check.
const PlatformOnly = "platform only"

// UseOf is the Uses cell of permission id.
func (m *Matrix) UseOf(id string) string {
	if u := m.Uses[id]; u != "" {
		return u
	}
	return PlatformOnly
}

// usesHeader names the column of Uses.
const usesHeader = "Gatehouse"

// NewMatrix builds the matrix of a scheme's built-in roles followed by extra
// (custom) roles.
func NewMatrix(s *Scheme, extra ...*Role) *Matrix {
	roles := append(append([]*Role{}, s.Roles...), extra...)
	return &Matrix{Scheme: s, Roles: roles, Permissions: s.Permissions}
}

// Cell says whether role r holds permission p: "Y", "N" or the condition.
func Cell(r *Role, p *Permission) string {
	for _, rp := range r.Perms {
		if rp.Perm.ID == p.ID {
			if rp.Cond != nil {
				return rp.Cond.String()
			}
			return "Y"
		}
	}
	return "N"
}

// Formats lists what Write accepts.
var Formats = []string{"md", "csv", "json", "html"}

// Write renders the matrix in one of Formats.
func (m *Matrix) Write(w io.Writer, format string) error {
	switch format {
	case "md":
		return m.writeMarkdown(w)
	case "csv":
		return m.writeCSV(w)
	case "json":
		return m.writeJSON(w)
	case "html":
		return m.writeHTML(w)
	}
	return fmt.Errorf("unknown matrix format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func (m *Matrix) header() []string {
	h := []string{"permission"}
	for _, r := range m.Roles {
		h = append(h, r.Name+" ("+r.ID+" @ "+r.ScopeType+")")
	}
	if m.Uses != nil {
		h = append(h, usesHeader)
	}
	return h
}

func (m *Matrix) row(p *Permission) []string {
	row := []string{p.ID}
	for _, r := range m.Roles {
		row = append(row, Cell(r, p))
	}
	if m.Uses != nil {
		row = append(row, m.UseOf(p.ID))
	}
	return row
}

func (m *Matrix) writeMarkdown(w io.Writer) error {
	esc := func(cells []string) string {
		for i, c := range cells {
			cells[i] = markdownCell(c)
		}
		return "| " + strings.Join(cells, " | ") + " |\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Rights matrix: %s\n\n", m.Scheme.Name)
	h := m.header()
	b.WriteString(esc(h))
	b.WriteString("|" + strings.Repeat("---|", len(h)) + "\n")
	for _, p := range m.Permissions {
		b.WriteString(esc(m.row(p)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (m *Matrix) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"permission"}
	for _, r := range m.Roles {
		header = append(header, r.ID)
	}
	if m.Uses != nil {
		header = append(header, "gatehouse")
	}
	if err := cw.Write(CSVCells(header)); err != nil {
		return err
	}
	for _, p := range m.Permissions {
		if err := cw.Write(CSVCells(m.row(p))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// markdownCell makes text safe in a Markdown table cell: custom role names
// are anyone's text, so nothing in them may end the cell, start a line,
// or become markup or HTML when the file is rendered.
var markdownSpecial = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, `\`, `\\`, "`", "\\`",
	"*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "\r\n", " ", "\n", " ", "\r", " ")

func markdownCell(s string) string { return markdownSpecial.Replace(s) }

// CSVCells keeps a spreadsheet from taking a cell as a formula (CSV
// injection): a cell that starts with = + - @ or a tab or carriage return
// gets a leading apostrophe, the usual neutraliser.
func CSVCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}

// JSONRole is one role of the JSON form of the matrix (and of the roles API).
type JSONRole struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	ScopeType   string     `json:"scope_type"`
	Permissions []JSONPerm `json:"permissions"`
}

// JSONPerm is one permission of a role, condition empty when unconditional.
type JSONPerm struct {
	ID        string `json:"id"`
	Condition string `json:"condition"`
}

// JSON describes a role in the shape of the API.
func (r *Role) JSON() JSONRole {
	out := JSONRole{ID: r.ID, Name: r.Name, ScopeType: r.ScopeType, Permissions: make([]JSONPerm, 0, len(r.Perms))}
	for _, rp := range r.Perms {
		jp := JSONPerm{ID: rp.Perm.ID}
		if rp.Cond != nil {
			jp.Condition = rp.Cond.String()
		}
		out.Permissions = append(out.Permissions, jp)
	}
	return out
}

func (m *Matrix) writeJSON(w io.Writer) error {
	type use struct {
		ID        string `json:"id"`
		Gatehouse string `json:"gatehouse"`
	}
	doc := struct {
		Roles       []JSONRole `json:"roles"`
		Permissions []use      `json:"permissions,omitempty"`
	}{Roles: make([]JSONRole, 0, len(m.Roles))}
	for _, r := range m.Roles {
		doc.Roles = append(doc.Roles, r.JSON())
	}
	if m.Uses != nil {
		for _, p := range m.Permissions {
			doc.Permissions = append(doc.Permissions, use{ID: p.ID, Gatehouse: m.UseOf(p.ID)})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

var htmlMatrix = template.Must(template.New("matrix").Parse(`<table class="matrix">
<caption>Rights matrix: {{.Name}}</caption>
<thead><tr><th scope="col">permission</th>{{range .Roles}}<th scope="col" title="{{.ID}} @ {{.ScopeType}}">{{.Name}}</th>{{end}}{{if .Uses}}<th scope="col" title="what Gatehouse's own endpoints use it for">Gatehouse</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row" title="{{.Description}}">{{.ID}}</th>{{range .Cells}}<td class="{{if eq . "Y"}}yes{{else if eq . "N"}}no{{else}}cond{{end}}">{{.}}</td>{{end}}{{if $.Uses}}<td class="use">{{.Use}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
`))

func (m *Matrix) writeHTML(w io.Writer) error {
	type row struct {
		ID, Description, Use string
		Cells                []string
	}
	data := struct {
		Name  string
		Roles []*Role
		Rows  []row
		Uses  bool
	}{Name: m.Scheme.Name, Roles: m.Roles, Uses: m.Uses != nil}
	for _, p := range m.Permissions {
		r := row{ID: p.ID, Description: p.Description, Cells: m.row(p)[1 : 1+len(m.Roles)]}
		if m.Uses != nil {
			r.Use = m.UseOf(p.ID)
		}
		data.Rows = append(data.Rows, r)
	}
	return htmlMatrix.Execute(w, data)
}
