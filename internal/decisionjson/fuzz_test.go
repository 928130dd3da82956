package decisionjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
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
		`{"subject":{"type":"user","id":"u_1"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"}}`,
		`{"context":{},"resource":{"id":"cats","type":"dataset"},"action":{"name":"a"},"subject":{"id":"u","type":"user"}}`,
		`{"subject":{"type":"user","id":""},"action":{"name":"a"},"resource":{"type":"t","id":"i"}}`,
		`{"subject":{"type":"user","id":"u","properties":{}},"action":{"name":"a"},"resource":{"type":"t","id":"i"}}`,
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

		if got, ok := DecodeCheck(body); ok {
			var want CheckBody
			if err := strict(&want); err != nil {
				t.Fatalf("decoder accepted %q, encoding/json says %v", body, err)
			}
			if want.Request() != got {
				t.Fatalf("%q: decoder read %+v, encoding/json %+v", body, got, want.Request())
			}
		}

		if got, ok := DecodeAZEvaluation(body); ok {
			// AuthZEN's generic path reads unknown members and ignores
			// them; the decoder refuses them, so a strict reading of the
			// members it knows must agree.
			type entity struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			}
			var want struct {
				Subject  entity                `json:"subject"`
				Action   struct{ Name string } `json:"action"`
				Resource entity                `json:"resource"`
				Context  struct{}              `json:"context"`
			}
			if err := strict(&want); err != nil {
				t.Fatalf("decoder accepted evaluation %q, encoding/json says %v", body, err)
			}
			w := team.AZEvaluation{Subject: team.AZSubject{Type: want.Subject.Type, ID: want.Subject.ID},
				Action: team.AZAction{Name: want.Action.Name}, Resource: team.AZResource{Type: want.Resource.Type, ID: want.Resource.ID}}
			if !reflect.DeepEqual(got, w) || w.Subject.ID == "" || w.Subject.Type == "" || w.Action.Name == "" || w.Resource.Type == "" || w.Resource.ID == "" {
				t.Fatalf("%q: decoder read %+v, encoding/json %+v", body, got, w)
			}
		}

		if reqs, ok := DecodeBatch(body); ok {
			// The generic path's batch body, as httpapi declares it.
			var want struct {
				Checks          []CheckBody `json:"checks"`
				AtLeastRevision int64       `json:"at_least_revision,omitempty"`
			}
			if err := strict(&want); err != nil {
				t.Fatalf("decoder accepted batch %q, encoding/json says %v", body, err)
			}
			if len(want.Checks) != len(reqs) || len(reqs) == 0 || len(reqs) > team.MaxBatch {
				t.Fatalf("%q: decoder read %d checks, encoding/json %d", body, len(reqs), len(want.Checks))
			}
			for i, w := range BatchRequests(want.Checks, want.AtLeastRevision) {
				if w != reqs[i] {
					t.Fatalf("%q: check %d: decoder read %+v, encoding/json %+v", body, i, reqs[i], w)
				}
			}
		}
	})
}

// FuzzEncoderAgreesWithJSON holds the fast path's encoder to encoding/json's
// writing of the answer types (the generic path's, with HTML escaping off as
// huma sets it): the same bytes for every decision, reason or none, any text.
func FuzzEncoderAgreesWithJSON(f *testing.F) {
	f.Add(true, int64(7), true, "gr_1", "dataset.editor", "dataset:cats", "direct", "", "")
	f.Add(false, int64(0), false, "", "", "", "", "", "")
	f.Add(false, int64(1<<40), true, "", "", "", "", "own", "")
	f.Add(true, int64(3), true, "gr_\"<é>", "r\x00", "x\u2028y", "membership", "task in (rework)", "")
	f.Add(true, int64(9), true, "gr_2", "training.editor", "training:resnet", "direct", "", "approved by u_3 (approval ap_12) until 2026-12-04T10:00:00Z")
	f.Fuzz(func(t *testing.T, allowed bool, rev int64, withReason bool, grant, role, scope, via, cond, approval string) {
		res := team.CheckResult{Allowed: allowed, Revision: max(rev, 0)}
		if withReason {
			res.Reason = &domain.Reason{Grant: grant, Role: role, Scope: scope, Via: domain.Via(via), Condition: cond, Approval: approval}
		}
		encode := func(v any) []byte {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		// AuthZEN's answer as its generic path declares it.
		type azDecision struct {
			Decision bool           `json:"decision"`
			Context  map[string]any `json:"context,omitempty"`
		}
		if got, want := AppendAZDecision(nil, allowed), encode(azDecision{Decision: allowed}); !bytes.Equal(got, want) {
			t.Fatalf("AuthZEN decision:\n got %s\nwant %s", got, want)
		}
		if got, want := AppendCheck(nil, res), encode(CheckResultOf(res)); !bytes.Equal(got, want) {
			t.Fatalf("check:\n got %s\nwant %s", got, want)
		}
		batch := []team.CheckResult{res, {Allowed: !allowed, Revision: 1}}
		if got, want := AppendBatch(nil, batch), encode(BatchOutputOf(batch)); !bytes.Equal(got, want) {
			t.Fatalf("batch:\n got %s\nwant %s", got, want)
		}
	})
}
