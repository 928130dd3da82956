package decisionjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// AppendCheck appends res as CheckResult encodes it, and a newline, as an
// encoder's Encode ends its value.
func AppendCheck(b []byte, res team.CheckResult) []byte {
	return append(appendResult(b, res.Allowed, res.Reason, true, res.Revision), '\n')
}

// AppendBatch appends results as BatchOutput encodes them, and a newline.
// The batch's revision is the newest of its results'.
func AppendBatch(b []byte, results []team.CheckResult) []byte {
	b = append(b, `{"results":[`...)
	var rev int64
	for i, c := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendResult(b, c.Allowed, c.Reason, false, 0)
		rev = max(rev, c.Revision)
	}
	b = append(b, `],"revision":`...)
	b = strconv.AppendInt(b, rev, 10)
	return append(b, "}\n"...)
}

// appendResult writes one decision as CheckResult (withRevision) or
// BatchResult encode it.
func appendResult(b []byte, allowed bool, r *domain.Reason, withRevision bool, rev int64) []byte {
	b = append(b, `{"allowed":`...)
	b = strconv.AppendBool(b, allowed)
	if withRevision {
		b = append(b, `,"revision":`...)
		b = strconv.AppendInt(b, rev, 10)
	}
	if r != nil {
		b = append(b, `,"reason":{`...)
		n := 0
		for _, f := range [...]struct{ k, v string }{{"grant", r.Grant}, {"role", r.Role},
			{"scope", r.Scope}, {"via", string(r.Via)}, {"condition", r.Condition}, {"approval", r.Approval}} {
			if f.v == "" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, '"')
			b = append(b, f.k...)
			b = append(b, `":`...)
			b = appendString(b, f.v)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendString writes s as encoding/json does with HTML escaping off (huma's
// setting): plain ASCII directly, anything else through the encoder.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			var w bytes.Buffer
			enc := json.NewEncoder(&w)
			enc.SetEscapeHTML(false)
			enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(w.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// AppendAZDecision appends an AuthZEN decision without context, as
// encoding/json writes {"decision":…}, and a newline.
func AppendAZDecision(b []byte, decision bool) []byte {
	b = append(b, `{"decision":`...)
	b = strconv.AppendBool(b, decision)
	return append(b, "}\n"...)
}
