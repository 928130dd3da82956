// Package decisionjson is the JSON of decisions, both ways: the request
// bodies of /check and /check/batch and their answers as types (what the
// generic path decodes and encodes, and what the OpenAPI document
// describes), and a hand-written decoder and encoder of the same shapes
// for the fast path, which reads the plain request without reflection and
// writes the answer by appending bytes. The fast path of an AuthZEN
// evaluation reads and writes here too; its wire types stay with its
// handlers in httpapi. Fuzz tests hold the two readings and the two
// writings to each other.
//
// The type names are the OpenAPI schema names.
package decisionjson

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// RequestContext is what a decision knows about the request it guards.
type RequestContext struct {
	Channel string `json:"channel,omitempty" doc:"Channel the request comes from (deepomatic: mobile, backoffice, api, web)"`
}

// ChannelOf is c's channel, "" without a context.
func ChannelOf(c *RequestContext) string {
	if c == nil {
		return ""
	}
	return c.Channel
}

// CheckBody is the body of POST /check, and one check of a batch: the
// fields of team.CheckRequest, the channel inside context.
type CheckBody struct {
	Subject         string          `json:"subject,omitempty" doc:"user:ID, group:ID or key:ID; default the caller. Others need the audit permission"`
	Permission      string          `json:"permission" doc:"A permission of the scheme's catalog"`
	Resource        string          `json:"resource,omitempty" doc:"TYPE:ID; default the organization itself"`
	Context         *RequestContext `json:"context,omitempty"`
	AtLeastRevision int64           `json:"at_least_revision,omitempty" doc:"Never answer from a state older than this revision"`
}

// Request is the use case's request the body asks.
func (c CheckBody) Request() team.CheckRequest {
	return team.CheckRequest{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource,
		Channel: ChannelOf(c.Context), AtLeastRevision: c.AtLeastRevision}
}

// BatchRequests are the checks of a batch body, each waiting for the newest
// of its own and the batch's revision.
func BatchRequests(checks []CheckBody, atLeastRevision int64) []team.CheckRequest {
	reqs := make([]team.CheckRequest, len(checks))
	for i, c := range checks {
		reqs[i] = c.Request()
		reqs[i].AtLeastRevision = max(reqs[i].AtLeastRevision, atLeastRevision)
	}
	return reqs
}

// Reason is why a decision allowed (or which condition failed).
type Reason struct {
	Grant     string `json:"grant,omitempty"`
	Role      string `json:"role,omitempty"`
	Scope     string `json:"scope,omitempty"`
	Via       string `json:"via,omitempty"`
	Condition string `json:"condition,omitempty"`
	Approval  string `json:"approval,omitempty" doc:"For a permission that needs approval: the window that allowed it (approved by whom, which approval, until when), or that none covers it"`
}

// ReasonOf is r's wire form.
func ReasonOf(r domain.Reason) Reason {
	return Reason{Grant: r.Grant, Role: r.Role, Scope: r.Scope, Via: string(r.Via), Condition: r.Condition, Approval: r.Approval}
}

func reasonPtr(r *domain.Reason) *Reason {
	if r == nil {
		return nil
	}
	w := ReasonOf(*r)
	return &w
}

// CheckResult is the answer of POST /check.
type CheckResult struct {
	Allowed  bool    `json:"allowed"`
	Revision int64   `json:"revision"`
	Reason   *Reason `json:"reason,omitempty"`
}

// CheckResultOf is r's wire form.
func CheckResultOf(r team.CheckResult) CheckResult {
	return CheckResult{Allowed: r.Allowed, Revision: r.Revision, Reason: reasonPtr(r.Reason)}
}

// BatchResult is one answer of a batch.
type BatchResult struct {
	Allowed bool    `json:"allowed"`
	Reason  *Reason `json:"reason,omitempty"`
}

// BatchOutput is the answer of POST /check/batch.
type BatchOutput struct {
	Results  []BatchResult `json:"results"`
	Revision int64         `json:"revision"`
}

// BatchOutputOf is results' wire form; its revision is the newest.
func BatchOutputOf(results []team.CheckResult) BatchOutput {
	out := BatchOutput{Results: make([]BatchResult, len(results))}
	for i, r := range results {
		out.Results[i] = BatchResult{Allowed: r.Allowed, Reason: reasonPtr(r.Reason)}
		out.Revision = max(out.Revision, r.Revision)
	}
	return out
}
