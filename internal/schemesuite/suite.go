// Package schemesuite runs scheme test suites (`gatehouse scheme test`): a
// scheme, an organization's state in the seed format, and the decisions
// the scheme must give on it. The decisions come from the engine itself,
// in process, so a suite that passes here decides the same way served.
package schemesuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/seed"
)

// Org is the organization a suite describes.
const Org = "suite"

// Suite is one suite file.
type Suite struct {
	File string `yaml:"-"`
	Name string `yaml:"name"`
	// Scheme is a scheme file, relative to the suite, or the id of a
	// built-in scheme.
	Scheme string     `yaml:"scheme"`
	Now    time.Time  `yaml:"now"`
	State  seed.State `yaml:",inline"`
	Checks []Check    `yaml:"checks"`
}

// Check is one decision and the answer it must have.
type Check struct {
	Name       string    `yaml:"name"`
	Subject    string    `yaml:"subject"`
	Permission string    `yaml:"permission"`
	Resource   string    `yaml:"resource"` // omitted: the organization
	Channel    string    `yaml:"channel"`
	Now        time.Time `yaml:"now"`  // omitted: the suite's
	Want       string    `yaml:"want"` // allow or deny
	Line       int       `yaml:"-"`
}

// Invalid is a suite that cannot be run: unreadable, an unknown field, a
// scheme that does not validate, a state the scheme refuses. It is not a
// failure of the scheme, and `scheme test` exits 2 for it, not 1.
type Invalid struct{ Err error }

func (e *Invalid) Error() string { return e.Err.Error() }
func (e *Invalid) Unwrap() error { return e.Err }

func invalid(format string, args ...any) error { return &Invalid{fmt.Errorf(format, args...)} }

// Load reads a suite file strictly: an unknown key is an error, as in
// scheme files and scenarios.
func Load(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Invalid{err}
	}
	s := &Suite{File: path}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, &Invalid{scheme.Located(path, err)}
	}
	// The lines of the checks, for the report: a failure names where to look.
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) == 1 {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "checks" {
				for j, item := range m.Content[i+1].Content {
					if j < len(s.Checks) {
						s.Checks[j].Line = item.Line
					}
				}
			}
		}
	}
	var problems []string
	if s.Scheme == "" {
		problems = append(problems, fmt.Sprintf("%s:1: scheme: name a scheme file (relative to the suite) or a built-in scheme", path))
	}
	if len(s.Checks) == 0 {
		problems = append(problems, fmt.Sprintf("%s:1: checks: a suite needs at least one check", path))
	}
	for _, c := range s.Checks {
		if c.Want != "allow" && c.Want != "deny" {
			problems = append(problems, fmt.Sprintf("%s:%d: want: %q, want allow or deny", path, c.Line, c.Want))
		}
		if c.Subject == "" || c.Permission == "" {
			problems = append(problems, fmt.Sprintf("%s:%d: a check needs a subject and a permission", path, c.Line))
		}
	}
	if len(problems) > 0 {
		return nil, &Invalid{errors.New(strings.Join(problems, "\n"))}
	}
	if s.Now.IsZero() {
		s.Now = seed.DefaultNow
	}
	return s, nil
}

// SchemeFile is the path of the suite's scheme file, or "" when the suite
// names a scheme by id.
func (s *Suite) SchemeFile() string {
	if !strings.HasSuffix(s.Scheme, ".yaml") && !strings.HasSuffix(s.Scheme, ".yml") && !strings.ContainsRune(s.Scheme, '/') {
		return ""
	}
	if filepath.IsAbs(s.Scheme) {
		return s.Scheme
	}
	return filepath.Join(filepath.Dir(s.File), s.Scheme)
}

// Result is one check's outcome.
type Result struct {
	Check  Check  `json:"-"`
	Name   string `json:"name,omitempty"`
	Line   int    `json:"line"`
	Want   string `json:"want"`
	Got    string `json:"got"` // allow, deny or error
	Reason string `json:"reason"`
	Pass   bool   `json:"pass"`
}

// Report is what running a suite found.
type Report struct {
	File    string   `json:"file"`
	Name    string   `json:"name,omitempty"`
	Scheme  string   `json:"scheme"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Results []Result `json:"results"`
}

// Run puts the suite's state into a fresh engine holding sc and asks every
// check. A state the engine refuses is Invalid, listing every refusal.
func Run(s *Suite, sc *scheme.Scheme) (*Report, error) {
	e := authz.New()
	e.AddScheme(sc)
	if err := e.Apply(Org, sc.ID, 1, nil); err != nil {
		return nil, invalid("%s: %v", s.File, err)
	}
	changes, err := s.State.Changes()
	if err != nil {
		return nil, invalid("%s: %v", s.File, err)
	}
	// One change per revision, so that every refusal is listed, not the first.
	var refused []string
	for i, c := range changes {
		if err := e.Apply(Org, sc.ID, int64(i+2), []domain.Change{c}); err != nil {
			refused = append(refused, fmt.Sprintf("%s: state: %v", s.File, err))
		}
	}
	if len(refused) > 0 {
		return nil, &Invalid{errors.New(strings.Join(refused, "\n"))}
	}
	o, err := e.Org(Org)
	if err != nil {
		return nil, err
	}
	rep := &Report{File: s.File, Name: s.Name, Scheme: sc.ID}
	for _, c := range s.Checks {
		now := s.Now
		if !c.Now.IsZero() {
			now = c.Now
		}
		r := Result{Check: c, Name: c.Name, Line: c.Line, Want: c.Want}
		d, err := o.Check(&authz.Request{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource, Channel: c.Channel, Now: now.UnixNano()})
		switch {
		case err != nil:
			r.Got, r.Reason = "error", err.Error()
		case d.Allowed:
			r.Got, r.Reason = "allow", Explain(d)
		default:
			r.Got, r.Reason = "deny", Explain(d)
		}
		r.Pass = r.Got == r.Want
		if r.Pass {
			rep.Passed++
		} else {
			rep.Failed++
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// Explain says in words why the engine decided as it did.
func Explain(d authz.Decision) string {
	r := d.Reason
	var b strings.Builder
	switch {
	case d.Allowed && r.Via == domain.ViaMembership:
		fmt.Fprintf(&b, "org role %s", r.Role)
	case d.Allowed:
		fmt.Fprintf(&b, "role %s at %s", r.Role, r.Scope)
		if r.Grant != "" {
			fmt.Fprintf(&b, " (grant %s, %s)", r.Grant, r.Via)
		}
	case r.Role != "":
		fmt.Fprintf(&b, "role %s at %s holds it only when %s", r.Role, r.Scope, r.Condition)
	case r.Approval == "":
		b.WriteString("no role the subject holds here gives it")
	}
	if d.Allowed && r.Condition != "" {
		fmt.Fprintf(&b, ", when %s", r.Condition)
	}
	if r.Approval != "" {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Approval)
	}
	return b.String()
}
