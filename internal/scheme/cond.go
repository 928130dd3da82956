package scheme

import (
	"fmt"
	"slices"
	"strings"
)

// Cond is a compiled condition: the permission holds when any clause holds,
// and a clause holds when all of its tests hold. The textual form is
//
//	own
//	channel in (mobile)
//	task not in (rework, done)
//	own or task in (rework)
//	own and channel in (web, api)
//	asset_owner is me
//
// "own" asks that the resource's owner is the subject, "channel" tests the
// request's channel, any other name tests a resource attribute: against a
// set of values, or ("NAME is me") against the subject, for an attribute
// that names a user as the owner does (Labelbox "on own assets only": the
// owner of the data row an issue is raised on).
//
// A name under subject., resource. or action. tests a property the caller
// states in the request (AuthZEN's subject.properties and the like), not
// one Gatehouse stores:
//
//	resource.status not in (archived) or subject.role in (admin)
//	action.soft in (true)
//
// A stated property that is absent fails every test on it, "not in"
// included: a caller that says nothing, or may not say it, gets no more
// than one that states the least favourable value.
type Cond struct {
	Any  []Clause
	text string // canonical form, kept so explaining a decision does not allocate
}

// Clause is a conjunction of tests.
type Clause struct {
	Own      bool
	Channels []string // nil: no channel test
	Attrs    []AttrTest
}

// AttrTest asks that a resource attribute is (or, negated, is not) in a
// set, or with Me that it names the subject (a user id, as an owner is).
type AttrTest struct {
	Name   string // as written; for a stated property with its prefix
	Values []string
	Negate bool
	Me     bool
	From   PropSource // FromStore for a stored attribute
	Prop   string     // a stated property's name without the prefix
}

// PropSource says where a test's value comes from.
type PropSource uint8

const (
	FromStore    PropSource = iota // the resource's stored attributes
	FromSubject                    // subject.NAME, stated in the request
	FromResource                   // resource.NAME, stated in the request
	FromAction                     // action.NAME, stated in the request
)

// propPrefixes maps a test name's prefix to the properties it reads.
var propPrefixes = []struct {
	prefix string
	from   PropSource
}{{"subject.", FromSubject}, {"resource.", FromResource}, {"action.", FromAction}}

// StatedProperty reports whether name reads a property stated in the
// request rather than a stored attribute, and which.
func StatedProperty(name string) (PropSource, string, bool) {
	for _, p := range propPrefixes {
		if rest, ok := strings.CutPrefix(name, p.prefix); ok {
			return p.from, rest, true
		}
	}
	return FromStore, "", false
}

// Props are the properties a request states about its subject, resource and
// action, each rendered as text (a JSON string as itself, true, false or a
// number as written).
type Props struct {
	Subject, Resource, Action map[string]string
}

// Empty reports whether no property is stated.
func (p *Props) Empty() bool {
	return p == nil || len(p.Subject) == 0 && len(p.Resource) == 0 && len(p.Action) == 0
}

func (p *Props) get(from PropSource, name string) (string, bool) {
	if p == nil {
		return "", false
	}
	var m map[string]string
	switch from {
	case FromSubject:
		m = p.Subject
	case FromResource:
		m = p.Resource
	case FromAction:
		m = p.Action
	}
	v, ok := m[name]
	return v, ok
}

// names reports whether attribute value v names the subject (a subject
// string "user:ID"): v is the user id, or the subject string itself.
func names(v, subject string) bool {
	if v == "" {
		return false
	}
	const user = "user:"
	return v == subject || len(subject) == len(user)+len(v) && subject[:len(user)] == user && subject[len(user):] == v
}

// Input is what a condition may look at. It only points at data the engine
// already holds, so evaluation does not allocate.
type Input struct {
	Subject string // subject string, e.g. "user:u_1"
	Owner   string // resource owner as a subject string, or empty
	Channel string
	Attrs   map[string]string // the resource's attributes, shared, never written
	Props   *Props            // what the request states; nil: nothing
	// Hidden names fields (OwnerField or attribute names) a change is
	// about to rewrite: a condition that reads any of them does not hold at
	// all, so only who holds the permission without it may change them (a
	// condition holds against the people it limits).
	Hidden []string
}

// OwnerField names a resource's owner among Input.Hidden and Reads; it
// cannot collide with an attribute name, which has no '@'.
const OwnerField = "@owner"

// Eval reports whether the condition holds.
func (c *Cond) Eval(in *Input) bool {
	if in.Hidden != nil {
		for i := range c.Any {
			if c.Any[i].readsAny(in.Hidden) {
				return false
			}
		}
	}
	for i := range c.Any {
		if c.Any[i].eval(in) {
			return true
		}
	}
	return false
}

// Reads reports whether the condition looks at field: OwnerField or an
// attribute name.
func (c *Cond) Reads(field string) bool {
	for i := range c.Any {
		if c.Any[i].reads(field) {
			return true
		}
	}
	return false
}

func (cl *Clause) reads(field string) bool {
	if field == OwnerField {
		return cl.Own
	}
	for _, t := range cl.Attrs {
		if t.Name == field {
			return true
		}
	}
	return false
}

func (cl *Clause) readsAny(fields []string) bool {
	for _, f := range fields {
		if cl.reads(f) {
			return true
		}
	}
	return false
}

// Implies reports whether c is at least as strict as d: wherever c holds,
// d holds too. nil is the condition that always holds. The test is
// syntactic and conservative: every clause of c must imply some clause of
// d, test by test, so a false "no" is possible (and only ever refuses),
// a false "yes" is not.
func Implies(c, d *Cond) bool {
	if d == nil {
		return true
	}
	if c == nil {
		return false
	}
	for i := range c.Any {
		ok := false
		for j := range d.Any {
			if c.Any[i].implies(&d.Any[j]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// implies: every test of d is implied by a test of cl.
func (cl *Clause) implies(d *Clause) bool {
	if d.Own && !cl.Own {
		return false
	}
	if d.Channels != nil && (cl.Channels == nil || !subset(cl.Channels, d.Channels)) {
		return false
	}
	for _, dt := range d.Attrs {
		ok := false
		for _, ct := range cl.Attrs {
			if ct.Name != dt.Name || ct.Negate != dt.Negate || ct.Me != dt.Me {
				continue
			}
			if dt.Me {
				ok = true
				break
			}
			// "in A" implies "in B" when A ⊆ B; "not in A" implies
			// "not in B" when B ⊆ A.
			if !dt.Negate && subset(ct.Values, dt.Values) || dt.Negate && subset(dt.Values, ct.Values) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (cl *Clause) eval(in *Input) bool {
	if cl.Own && (in.Owner == "" || in.Owner != in.Subject) {
		return false
	}
	if cl.Channels != nil && !slices.Contains(cl.Channels, in.Channel) {
		return false
	}
	for _, t := range cl.Attrs {
		if t.From != FromStore {
			v, ok := in.Props.get(t.From, t.Prop)
			if !ok || slices.Contains(t.Values, v) == t.Negate {
				return false
			}
			continue
		}
		v, ok := in.Attrs[t.Name]
		if t.Me {
			if !ok || !names(v, in.Subject) {
				return false
			}
			continue
		}
		member := ok && slices.Contains(t.Values, v)
		if member == t.Negate {
			return false
		}
	}
	return true
}

// NeedsResource reports whether the condition looks at the resource (owner or
// stored attributes) rather than only at the request.
func (c *Cond) NeedsResource() bool {
	for _, cl := range c.Any {
		if cl.Own {
			return true
		}
		for _, t := range cl.Attrs {
			if t.From == FromStore {
				return true
			}
		}
	}
	return false
}

// States reports whether the condition reads a property stated in the
// request.
func (c *Cond) States() bool {
	for _, cl := range c.Any {
		for _, t := range cl.Attrs {
			if t.From != FromStore {
				return true
			}
		}
	}
	return false
}

// OwnOnly reports whether every clause requires ownership, so only resources
// the subject owns can ever satisfy it.
func (c *Cond) OwnOnly() bool {
	for _, cl := range c.Any {
		if !cl.Own {
			return false
		}
	}
	return len(c.Any) > 0
}

// String prints the canonical form, which ParseCond reads back.
func (c *Cond) String() string {
	if c.text != "" {
		return c.text
	}
	return c.format()
}

func (c *Cond) format() string {
	var b strings.Builder
	for i, cl := range c.Any {
		if i > 0 {
			b.WriteString(" or ")
		}
		var parts []string
		if cl.Own {
			parts = append(parts, "own")
		}
		if cl.Channels != nil {
			parts = append(parts, "channel in ("+strings.Join(cl.Channels, ", ")+")")
		}
		for _, t := range cl.Attrs {
			if t.Me {
				parts = append(parts, t.Name+" is me")
				continue
			}
			op := " in ("
			if t.Negate {
				op = " not in ("
			}
			parts = append(parts, t.Name+op+strings.Join(t.Values, ", ")+")")
		}
		b.WriteString(strings.Join(parts, " and "))
	}
	return b.String()
}

// ParseCond reads the textual form. An empty string is an error: a permission
// without a condition simply has none.
func ParseCond(s string) (*Cond, error) {
	p := condParser{toks: tokenize(s), src: s}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("condition %q: empty", s)
	}
	c := &Cond{}
	for {
		cl, err := p.clause()
		if err != nil {
			return nil, err
		}
		c.Any = append(c.Any, cl)
		if p.done() {
			c.text = c.format()
			return c, nil
		}
		if !p.accept("or") {
			return nil, p.errorf("want \"or\", \"and\" or the end, got %q", p.peek())
		}
	}
}

type condParser struct {
	toks []string
	pos  int
	src  string
}

func (p *condParser) errorf(format string, args ...any) error {
	return fmt.Errorf("condition %q: %s", p.src, fmt.Sprintf(format, args...))
}

func (p *condParser) done() bool { return p.pos >= len(p.toks) }

func (p *condParser) peek() string {
	if p.done() {
		return ""
	}
	return p.toks[p.pos]
}

func (p *condParser) accept(tok string) bool {
	if p.peek() == tok {
		p.pos++
		return true
	}
	return false
}

func (p *condParser) clause() (Clause, error) {
	var cl Clause
	for {
		if err := p.test(&cl); err != nil {
			return cl, err
		}
		if !p.accept("and") {
			return cl, nil
		}
	}
}

func (p *condParser) test(cl *Clause) error {
	name := p.peek()
	if !isWord(name) || name == "or" || name == "and" || name == "in" || name == "not" || name == "is" {
		return p.errorf("want own, channel or an attribute name, got %q", name)
	}
	p.pos++
	if name == "own" {
		if cl.Own {
			return p.errorf("own twice in one clause")
		}
		cl.Own = true
		return nil
	}
	if p.accept("is") {
		if !p.accept("me") {
			return p.errorf("want \"me\" after \"%s is\"", name)
		}
		if name == "channel" {
			return p.errorf("channel is me: a channel is not a subject")
		}
		if _, _, ok := StatedProperty(name); ok {
			return p.errorf("%s is me: a stated property is not compared with the subject; declare the type stateless with an owner_property and test own", name)
		}
		cl.Attrs = append(cl.Attrs, AttrTest{Name: name, Me: true})
		return nil
	}
	negate := p.accept("not")
	if !p.accept("in") {
		return p.errorf("want \"in\" or \"is me\" after %q", name)
	}
	values, err := p.list()
	if err != nil {
		return err
	}
	if name == "channel" {
		if negate {
			return p.errorf("channel not in (...) is not supported: name the allowed channels")
		}
		if cl.Channels != nil {
			return p.errorf("channel twice in one clause")
		}
		cl.Channels = values
		return nil
	}
	t := AttrTest{Name: name, Values: values, Negate: negate}
	if from, prop, ok := StatedProperty(name); ok {
		if prop == "" {
			return p.errorf("%q names no property", name)
		}
		t.From, t.Prop = from, prop
	}
	cl.Attrs = append(cl.Attrs, t)
	return nil
}

func (p *condParser) list() ([]string, error) {
	if !p.accept("(") {
		return nil, p.errorf("want \"(\", got %q", p.peek())
	}
	var vals []string
	for {
		v := p.peek()
		if !isWord(v) {
			return nil, p.errorf("want a value, got %q", v)
		}
		p.pos++
		if !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
		if p.accept(")") {
			return vals, nil
		}
		if !p.accept(",") {
			return nil, p.errorf("want \",\" or \")\", got %q", p.peek())
		}
	}
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func tokenize(s string) []string {
	var toks []string
	start := -1
	flush := func(i int) {
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case r == '(' || r == ')' || r == ',':
			flush(i)
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush(i)
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(s))
	return toks
}
