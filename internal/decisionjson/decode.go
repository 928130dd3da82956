package decisionjson

import (
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/team"
)

// DecodeCheck reads a check body of the plain shape: the members of
// CheckBody, each at most once, strings of printable ASCII without escapes,
// the revision a plain non-negative integer, nothing after the object. On
// anything else ok is false and the caller decodes with encoding/json, which
// says what is wrong.
func DecodeCheck(body []byte) (req team.CheckRequest, ok bool) {
	d := decoder{b: body}
	return req, d.check(&req) && d.end()
}

// DecodeBatch reads a batch body of the plain shape, as DecodeCheck, with
// the batch's at_least_revision applied to each check.
func DecodeBatch(body []byte) ([]team.CheckRequest, bool) {
	d := decoder{b: body}
	reqs, ok := d.batch()
	if !ok || !d.end() {
		return nil, false
	}
	return reqs, true
}

// decoder reads the request shapes of the decision endpoints. Each method
// reports false on anything outside the plain shape, never an error: the
// generic path will say what is wrong.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c after any white space.
func (d *decoder) eat(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek reports whether c comes next (after white space) without taking it.
func (d *decoder) peek(c byte) bool {
	d.ws()
	return d.i < len(d.b) && d.b[d.i] == c
}

func (d *decoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// raw reads a string of printable ASCII without escapes and returns its
// bytes, aliasing the buffer.
func (d *decoder) raw() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c < 0x20 || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

func (d *decoder) str() (string, bool) {
	b, ok := d.raw()
	return string(b), ok
}

// revision reads a non-negative integer without sign, fraction or exponent.
func (d *decoder) revision() (int64, bool) {
	d.ws()
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	digits := d.b[start:d.i]
	if len(digits) == 0 || len(digits) > 18 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// object reads {"key": value, ...}, calling member for each key; member
// reads the value and reports false on an unknown or unreadable one.
func (d *decoder) object(member func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		k, ok := d.raw()
		if !ok || !d.eat(':') || !member(string(k)) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// check reads one check object (checkBody's shape).
func (d *decoder) check(c *team.CheckRequest) bool {
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	return d.object(func(key string) bool {
		var ok bool
		switch key {
		case "subject":
			c.Subject, ok = d.str()
			return ok && once(1)
		case "permission":
			c.Permission, ok = d.str()
			return ok && once(2)
		case "resource":
			c.Resource, ok = d.str()
			return ok && once(4)
		case "at_least_revision":
			c.AtLeastRevision, ok = d.revision()
			return ok && once(8)
		case "context":
			var channel bool
			return once(16) && d.object(func(key string) bool {
				if key != "channel" || channel {
					return false
				}
				channel = true
				c.Channel, ok = d.str()
				return ok
			})
		}
		return false
	})
}

// batch reads {"checks": [...], "at_least_revision": N}.
func (d *decoder) batch() ([]team.CheckRequest, bool) {
	var reqs []team.CheckRequest
	var rev int64
	var seenChecks, seenRev bool
	ok := d.object(func(key string) bool {
		switch key {
		case "checks":
			if seenChecks || !d.eat('[') || d.peek(']') {
				return false
			}
			seenChecks = true
			reqs = make([]team.CheckRequest, 0, 16)
			for {
				if len(reqs) == team.MaxBatch {
					return false
				}
				reqs = append(reqs, team.CheckRequest{})
				if !d.check(&reqs[len(reqs)-1]) {
					return false
				}
				if d.eat(']') {
					return true
				}
				if !d.eat(',') {
					return false
				}
			}
		case "at_least_revision":
			var ok bool
			rev, ok = d.revision()
			if !ok || seenRev {
				return false
			}
			seenRev = true
			return true
		}
		return false
	})
	if !ok || !seenChecks {
		return nil, false
	}
	for i := range reqs {
		reqs[i].AtLeastRevision = max(reqs[i].AtLeastRevision, rev)
	}
	return reqs, true
}

// DecodeAZEvaluation reads an AuthZEN evaluation of the plain shape:
// {"subject":{"type","id"},"action":{"name"},"resource":{"type","id"}},
// every one of those strings present and non-empty, and at most an empty
// "context"; each member once, strings as DecodeCheck reads them. Stated
// properties, a context with members, a missing field: ok is false, and
// the generic path reads the body and says what is wrong.
func DecodeAZEvaluation(body []byte) (e team.AZEvaluation, ok bool) {
	d := decoder{b: body}
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok = d.object(func(key string) bool {
		switch key {
		case "subject":
			return once(1) && d.entity(&e.Subject.Type, &e.Subject.ID)
		case "action":
			named := false
			return once(2) && d.object(func(key string) bool {
				if key != "name" || named {
					return false
				}
				named = true
				var ok bool
				e.Action.Name, ok = d.str()
				return ok
			})
		case "resource":
			return once(4) && d.entity(&e.Resource.Type, &e.Resource.ID)
		case "context":
			return once(8) && d.object(func(string) bool { return false })
		}
		return false
	})
	return e, ok && seen&7 == 7 && d.end() &&
		e.Subject.Type != "" && e.Subject.ID != "" && e.Action.Name != "" && e.Resource.Type != "" && e.Resource.ID != ""
}

// entity reads {"type":…,"id":…}, each once.
func (d *decoder) entity(typ, id *string) bool {
	var seen uint8
	return d.object(func(key string) bool {
		var ok bool
		switch {
		case key == "type" && seen&1 == 0:
			seen |= 1
			*typ, ok = d.str()
		case key == "id" && seen&2 == 0:
			seen |= 2
			*id, ok = d.str()
		}
		return ok
	})
}
