package scheme

import (
	"strings"
	"testing"
)

func TestParseCondCanonicalForm(t *testing.T) {
	cases := []struct{ in, want string }{
		{"own", "own"},
		{"channel in (mobile)", "channel in (mobile)"},
		{"task not in (rework, done)", "task not in (rework, done)"},
		{"own or task in (rework)", "own or task in (rework)"},
		{"own and channel in (web, api)", "own and channel in (web, api)"},
		{"  own   or\ttask in(rework)\n", "own or task in (rework)"},
		{"task in (a,b,  c)", "task in (a, b, c)"},
		{"task in (a, a, b, a)", "task in (a, b)"},     // duplicates dropped
		{"task in (a) and own", "own and task in (a)"}, // own, channel, attributes
		{"state in (x) and channel in (web) and own", "own and channel in (web) and state in (x)"},
		{"a in (1) and b not in (2) or own", "a in (1) and b not in (2) or own"}, // clause order kept
		{"task in (or, and, in, not)", "task in (or, and, in, not)"},             // keywords are fine as values
		{"step in (re-work, v1.2, A_B)", "step in (re-work, v1.2, A_B)"},
		{"own or own", "own or own"},
		{"asset_owner is me", "asset_owner is me"},
		{"asset_owner  is  me and own or task in (x)", "own and asset_owner is me or task in (x)"},
		{"resource.status not in (archived) or subject.role in (admin)", "resource.status not in (archived) or subject.role in (admin)"},
		{"action.soft in (true) and own", "own and action.soft in (true)"},
	}
	for _, c := range cases {
		got, err := ParseCond(c.in)
		if err != nil {
			t.Errorf("ParseCond(%q): %v", c.in, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("ParseCond(%q) = %q, want %q", c.in, got.String(), c.want)
		}
		again, err := ParseCond(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("round trip of %q: %v %q", got.String(), err, again)
		}
		if (&Cond{Any: got.Any}).String() != c.want {
			t.Errorf("format of %q without cached text differs", c.in)
		}
	}
}

func TestParseCondErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"subject.id is me", "a stated property is not compared with the subject"},
		{"resource. in (x)", "names no property"},
		{"or", "want own, channel or an attribute name"},
		{"own or", "want own, channel or an attribute name"},
		{"own and", "want own, channel or an attribute name"},
		{"own own", `want "or", "and" or the end`},
		{"own and own", "own twice"},
		{"channel not in (web)", "not supported"},
		{"channel in (a) and channel in (b)", "channel twice"},
		{"task in ()", "want a value"},
		{"task in (a", `want "," or ")"`},
		{"task in (a,)", "want a value"},
		{"task in (a b)", `want "," or ")"`},
		{"task (a)", `want "in"`},
		{"task in a", `want "("`},
		{"task not (a)", `want "in"`},
		{"in in (a)", "want own, channel or an attribute name"},
		{"not in (a)", "want own, channel or an attribute name"},
		{"task in (a) xyz", `want "or", "and" or the end`},
		{"$x in (a)", "want own, channel or an attribute name"},
		{"task in ($)", "want a value"},
		{"(own)", "want own, channel or an attribute name"},
		{"own,", `want "or", "and" or the end`},
		{"asset_owner is you", `want "me"`},
		{"asset_owner is", `want "me"`},
		{"channel is me", "not a subject"},
		{"is me", "want own, channel or an attribute name"},
	}
	for _, c := range cases {
		_, err := ParseCond(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseCond(%q): got %v, want an error containing %q", c.in, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.in) && strings.TrimSpace(c.in) != "" {
			t.Errorf("ParseCond(%q): error %q does not quote the condition", c.in, err)
		}
	}
}

func TestCondEval(t *testing.T) {
	in := func(subject, owner, channel string, attrs map[string]string) *Input {
		return &Input{Subject: subject, Owner: owner, Channel: channel, Attrs: attrs}
	}
	rework := map[string]string{"task": "rework"}
	done := map[string]string{"task": "done"}
	cases := []struct {
		cond string
		in   *Input
		want bool
	}{
		{"own", in("user:a", "user:a", "", nil), true},
		{"own", in("user:a", "user:b", "", nil), false},
		{"own", in("user:a", "", "", nil), false},
		{"own", in("", "", "", nil), false}, // no owner is nobody's
		{"channel in (mobile)", in("user:a", "", "mobile", nil), true},
		{"channel in (mobile)", in("user:a", "", "web", nil), false},
		{"channel in (mobile)", in("user:a", "", "", nil), false}, // missing channel
		{"task in (rework)", in("user:a", "", "", rework), true},
		{"task in (rework)", in("user:a", "", "", done), false},
		{"task in (rework)", in("user:a", "", "", nil), false},  // missing attribute is not in
		{"task not in (done)", in("user:a", "", "", nil), true}, // ... so it is "not in"
		{"task not in (done)", in("user:a", "", "", done), false},
		{"task not in (done)", in("user:a", "", "", rework), true},
		{"own or task in (rework)", in("user:a", "user:b", "", rework), true},
		{"own or task in (rework)", in("user:a", "user:a", "", done), true},
		{"own or task in (rework)", in("user:a", "user:b", "", done), false},
		{"own and channel in (web, api)", in("user:a", "user:a", "api", nil), true},
		{"own and channel in (web, api)", in("user:a", "user:a", "mobile", nil), false},
		{"own and channel in (web, api)", in("user:a", "user:b", "web", nil), false},
		// "on own assets only": the attribute names the subject by user id.
		{"asset_owner is me", in("user:a", "user:b", "", map[string]string{"asset_owner": "a"}), true},
		{"asset_owner is me", in("user:a", "", "", map[string]string{"asset_owner": "user:a"}), true},
		{"asset_owner is me", in("user:a", "user:a", "", map[string]string{"asset_owner": "b"}), false},
		{"asset_owner is me", in("user:a", "user:a", "", nil), false}, // no asset owner is nobody's
		{"asset_owner is me", in("user:ab", "", "", map[string]string{"asset_owner": "a"}), false},
		{"asset_owner is me", in("key:a", "", "", map[string]string{"asset_owner": "a"}), false},
		{"asset_owner is me", in("", "", "", map[string]string{"asset_owner": ""}), false},
	}
	for _, c := range cases {
		cond, err := ParseCond(c.cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := cond.Eval(c.in); got != c.want {
			t.Errorf("%q on %+v = %v, want %v", c.cond, *c.in, got, c.want)
		}
	}
}

func TestCondPredicates(t *testing.T) {
	for _, c := range []struct {
		cond              string
		ownOnly, resource bool
	}{
		{"own", true, true},
		{"own and channel in (web)", true, true},
		{"own or own and task in (x)", true, true},
		{"own or task in (rework)", false, true},
		{"channel in (web)", false, false},
		{"task not in (done)", false, true},
		{"asset_owner is me", false, true},
	} {
		cond, err := ParseCond(c.cond)
		if err != nil {
			t.Fatal(err)
		}
		if cond.OwnOnly() != c.ownOnly || cond.NeedsResource() != c.resource {
			t.Errorf("%q: OwnOnly=%v NeedsResource=%v, want %v %v", c.cond, cond.OwnOnly(), cond.NeedsResource(), c.ownOnly, c.resource)
		}
	}
}

func TestImplies(t *testing.T) {
	cases := []struct {
		c, d string // "" is no condition
		want bool
	}{
		{"", "", true},
		{"own", "", true},
		{"", "own", false},
		{"own", "own", true},
		{"own and task in (rework)", "own", true},
		{"own", "own or task in (rework)", true},
		{"own or task in (rework)", "own", false},
		{"task in (rework)", "task in (rework, review)", true},
		{"task in (rework, review)", "task in (rework)", false},
		{"task not in (done, archived)", "task not in (done)", true},
		{"task not in (done)", "task not in (done, archived)", false},
		{"task not in (done)", "task in (rework)", false},
		{"channel in (mobile)", "channel in (mobile, backoffice)", true},
		{"channel in (mobile, web)", "channel in (mobile)", false},
		{"", "task not in (done)", false},
		{"own and channel in (web)", "channel in (web, api) or task in (x)", true},
		{"asset_owner is me", "asset_owner is me", true},
		{"own and asset_owner is me", "asset_owner is me", true},
		{"asset_owner is me", "own", false},
		{"own", "asset_owner is me", false},
		{"asset_owner is me", "asset_owner in (a)", false},
		{"asset_owner in (a)", "asset_owner is me", false},
		{"asset_owner is me", "asset_owner not in (a)", false},
	}
	parse := func(s string) *Cond {
		if s == "" {
			return nil
		}
		c, err := ParseCond(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, c := range cases {
		if got := Implies(parse(c.c), parse(c.d)); got != c.want {
			t.Errorf("Implies(%q, %q) = %v, want %v", c.c, c.d, got, c.want)
		}
	}
}

// A condition reading a hidden field does not hold, whichever clause
// reads it: changing the field takes the permission without the condition.
func TestCondHiddenFields(t *testing.T) {
	c, err := ParseCond("own or task in (rework)")
	if err != nil {
		t.Fatal(err)
	}
	rework := map[string]string{"task": "rework"}
	in := &Input{Subject: "user:a", Owner: "user:a", Attrs: rework}
	if !c.Eval(in) {
		t.Fatal("an own rework label: want true")
	}
	for _, hidden := range [][]string{{"task"}, {OwnerField}, {OwnerField, "task"}} {
		in.Hidden = hidden
		if c.Eval(in) {
			t.Errorf("%v hidden: the condition reads it and may not hold", hidden)
		}
	}
	in.Hidden = []string{"state"}
	if !c.Eval(in) {
		t.Error("an unread field hidden: the condition still holds")
	}
	if !c.Reads(OwnerField) || !c.Reads("task") || c.Reads("state") {
		t.Error("Reads")
	}
	mine, err := ParseCond("asset_owner is me")
	if err != nil {
		t.Fatal(err)
	}
	in = &Input{Subject: "user:a", Attrs: map[string]string{"asset_owner": "a"}, Hidden: []string{"asset_owner"}}
	if mine.Eval(in) || !mine.Reads("asset_owner") || mine.Reads(OwnerField) {
		t.Error("asset_owner is me: hiding asset_owner must stop it, and it reads asset_owner only")
	}
}
