package team

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// RACITypes are the report's formats and their content types.
var RACITypes = map[string]string{
	"json":     "application/json",
	"md":       "text/markdown; charset=utf-8",
	"markdown": "text/markdown; charset=utf-8",
	"csv":      "text/csv; charset=utf-8",
	"html":     "text/html; charset=utf-8",
}

// RenderRACI writes the report in a format: json ("" too), md, csv or html.
func RenderRACI(rep RACIReport, format string) (contentType string, b []byte, err error) {
	switch format {
	case "", "json":
		b, err = json.Marshal(rep)
		return RACITypes["json"], b, err
	case "md", "markdown":
		return RACITypes["md"], RACIMarkdown(rep), nil
	case "csv":
		b, err = RACICSV(rep)
		return RACITypes["csv"], b, err
	case "html":
		b, err = RACIHTML(rep)
		return RACITypes["html"], b, err
	}
	return "", nil, fault.E(fault.Invalid, "format %q: want json, md, csv or html", format)
}

// RACICSV is the report as one table: a row per person, row and scope,
// and a row per assignment not named yet.
func RACICSV(rep RACIReport) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	row := func(cells ...string) { _ = w.Write(scheme.CSVCells(cells)) }
	row("table", "letter", "activity", "scope", "name", "email", "user_id", "because")
	for _, t := range rep.Tables {
		for _, r := range t.Rows {
			for _, s := range r.Sections {
				for _, p := range s.People {
					row(t.Title, r.Letter, r.Activity, s.ScopeName, p.Name, p.Email, p.UserID, p.Because())
				}
			}
			for _, u := range r.Unnamed {
				row(t.Title, r.Letter, r.Activity, "All", "", "", "", u.Assignment+" "+u.How)
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

var mdSpecial = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;")

// RACIMarkdown is the report as the seed's tables, a person per line of
// the "who" cell.
func RACIMarkdown(rep RACIReport) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# RACI: %s\n\n", mdSpecial.Replace(rep.OrgName))
	fmt.Fprintf(&b, "Organization `%s`, scheme `%s`, generated %s.", rep.Org, rep.Scheme, rep.GeneratedAt.Format("2006-01-02 15:04 UTC"))
	if rep.Source != "" {
		fmt.Fprintf(&b, " Template: %s.", rep.Source)
	}
	b.WriteString("\n\n")
	if rep.Note != "" {
		fmt.Fprintf(&b, "%s\n", mdSpecial.Replace(rep.Note))
	}
	for _, t := range rep.Tables {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", mdSpecial.Replace(t.Title), mdSpecial.Replace(t.Intro))
		b.WriteString("| RACI | Typical owner | Who, in this organization | Notes |\n|---|---|---|---|\n")
		for _, r := range t.Rows {
			fmt.Fprintf(&b, "| %s: %s | %s | %s | %s |\n", r.Letter, mdSpecial.Replace(r.Activity), mdSpecial.Replace(r.Typical),
				strings.Join(raciWho(r, mdSpecial.Replace), "<br>"), mdSpecial.Replace(r.Note))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// raciWho is a row's people as lines: "scope: name <email>, because".
func raciWho(r RACIRow, esc func(string) string) []string {
	var lines []string
	for _, s := range r.Sections {
		for _, p := range s.People {
			lines = append(lines, esc(fmt.Sprintf("%s: %s (%s), %s", s.ScopeName, p.Name, p.Email, p.Because())))
		}
	}
	for _, u := range r.Unnamed {
		lines = append(lines, esc(u.Assignment+": "+u.How))
	}
	if len(lines) == 0 {
		lines = append(lines, "nobody")
	}
	return lines
}

var raciPage = template.Must(template.New("raci").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>RACI: {{.OrgName}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{border:1px solid #999;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}.muted{color:#444}ul{margin:0;padding-left:1.1rem}
.scope{font-weight:600}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style>
</head>
<body>
<main>
<h1>RACI: {{.OrgName}}</h1>
<p class="muted">Organization <code>{{.Org}}</code>, scheme <code>{{.Scheme}}</code>, generated {{.GeneratedAt.Format "2006-01-02 15:04 UTC"}}.{{with .Source}} Template: {{.}}.{{end}}
Responsible does the work; Accountable approves outcomes; Consulted gives input; Informed gets updates. Named assignments grant nothing.</p>
{{with .Note}}<p>{{.}}</p>{{end}}
{{range .Tables}}
<section aria-labelledby="raci-{{.ID}}">
<h2 id="raci-{{.ID}}">{{.Title}}</h2>
<p class="muted">{{.Intro}}</p>
<table>
<thead><tr><th scope="col">RACI</th><th scope="col">Typical owner</th><th scope="col">Who, in this organization</th><th scope="col">Notes</th></tr></thead>
<tbody>
{{range .Rows}}
<tr>
<th scope="row">{{.Letter}}: {{.Activity}}</th>
<td>{{.Typical}}</td>
<td>{{range .Sections}}{{if .People}}<div><span class="scope">{{.ScopeName}}</span><ul>{{range .People}}<li>{{.Name}} &lt;{{.Email}}&gt;, {{.Because}}</li>{{end}}</ul></div>{{end}}{{end}}
{{range .Unnamed}}<div><span class="scope">{{.Assignment}}</span>: {{.How}}</div>{{end}}</td>
<td>{{.Note}}</td>
</tr>
{{end}}
</tbody>
</table>
</section>
{{end}}
</main>
</body>
</html>
`))

// RACIHTML is the report as a standalone page, printable.
func RACIHTML(rep RACIReport) ([]byte, error) {
	var b bytes.Buffer
	err := raciPage.Execute(&b, rep)
	return b.Bytes(), err
}
