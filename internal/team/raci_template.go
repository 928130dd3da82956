package team

import (
	"embed"
	"strings"

	"gopkg.in/yaml.v3"
)

// The RACI templates are data: raci/<scheme>.yaml, seed 000's four tables
// with what puts a person in each row (see raci/vi.yaml). A scheme without
// a file has no template: Deepomatic's and Labelbox's seeds write no RACI
// table, and the report says so rather than invent one (docs/decisions.md,
// "RACI").

//go:embed raci/*.yaml
var raciFS embed.FS

// raciTemplate is one scheme's tables.
type raciTemplate struct {
	Source string      `yaml:"source"`
	Tables []raciTable `yaml:"tables"`
}

type raciTable struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	Intro string `yaml:"intro"`
	// Per is the resource type the table is about ("dataset", "training"):
	// its rows list the holders for All and, where they differ, for each
	// resource of the type. "" is the organization alone.
	Per  string    `yaml:"per"`
	Rows []raciRow `yaml:"rows"`
}

type raciRow struct {
	Letter   string `yaml:"letter"` // R, A, C or I
	Activity string `yaml:"activity"`
	Typical  string `yaml:"typical"` // the seed's "typical owner in Vi"
	Note     string `yaml:"note"`
	// Permissions put whoever holds one of them in the row.
	Permissions []string `yaml:"permissions"`
	// Without leaves out who also holds this permission where the row is
	// read: the I rows are for read-only access.
	Without string `yaml:"without"`
	// KeyOwners puts the members who own a live secret key in the row.
	KeyOwners bool `yaml:"key_owners"`
	// Assignments are named assignments that put their holders in the
	// row; while one is not named the row says so and how to name it.
	Assignments []string `yaml:"assignments"`
}

// raciTemplates maps a scheme id to its template, read once at start; a
// file that does not parse is a build mistake, caught by the tests.
var raciTemplates = func() map[string]*raciTemplate {
	out := map[string]*raciTemplate{}
	files, _ := raciFS.ReadDir("raci")
	for _, f := range files {
		b, err := raciFS.ReadFile("raci/" + f.Name())
		if err != nil {
			panic(err)
		}
		var t raciTemplate
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&t); err != nil {
			panic("raci/" + f.Name() + ": " + err.Error())
		}
		out[strings.TrimSuffix(f.Name(), ".yaml")] = &t
	}
	return out
}()
