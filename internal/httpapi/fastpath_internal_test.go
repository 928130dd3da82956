package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/team"
)

// FuzzDecoderAgreesWithJSON holds the fast path's decoder to
// encoding/json's reading (the generic path's): whatever body the decoder
// accepts, encoding/json accepts too, without unknown members, and reads
// the same values. The decoder may refuse more; those requests take the
// generic path.
func FuzzDecoderAgreesWithJSON(f *testing.F) {
	for _, s := range []string{
		`{"permission":"org.view"}`,
		`{"subject":"user:u_1","permission":"dataset.view","resource":"dataset:cats","context":{"channel":"web"},"at_least_revision":12}`,
		` { "permission" : "a" , "context" : { } } `,
		`{"permission":"a","permission":"b"}`,
		`{"permission":"a\"b"}`,
		`{"at_least_revision":007}`,
		`{"at_least_revision":-1}`,
		`{"checks":[{"permission":"a"},{"permission":"b","resource":"x:y"}],"at_least_revision":3}`,
		`{"checks":[]}`,
		`{"checks":[{}],"checks":[{}]}`,
		`{"permission":"a"}garbage`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		strict := func(v any) error {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				return err
			}
			if dec.More() {
				t.Fatalf("decoder accepted %q with more after the value", body)
			}
			return nil
		}

		d := decoder{b: body}
		var got team.CheckRequest
		if d.check(&got) && d.end() {
			var want checkBody
			if err := strict(&want); err != nil {
				t.Fatalf("decoder accepted %q, encoding/json says %v", body, err)
			}
			if want.request() != got {
				t.Fatalf("%q: decoder read %+v, encoding/json %+v", body, got, want.request())
			}
		}

		d = decoder{b: body}
		reqs, ok := d.batch()
		if ok && d.end() {
			var want batchInput
			if err := strict(&want.Body); err != nil {
				t.Fatalf("decoder accepted batch %q, encoding/json says %v", body, err)
			}
			if len(want.Body.Checks) != len(reqs) || len(reqs) == 0 || len(reqs) > team.MaxBatch {
				t.Fatalf("%q: decoder read %d checks, encoding/json %d", body, len(reqs), len(want.Body.Checks))
			}
			for i, c := range want.Body.Checks {
				w := c.request()
				w.AtLeastRevision = max(w.AtLeastRevision, want.Body.AtLeastRevision)
				if w != reqs[i] {
					t.Fatalf("%q: check %d: decoder read %+v, encoding/json %+v", body, i, reqs[i], w)
				}
			}
		}
	})
}
