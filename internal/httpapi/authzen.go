package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// AuthZEN 1.0 (OpenID AuthZEN Authorization API) per organization: the PDP
// of org acme is {base}/v1/orgs/acme. These routes are plain net/http, not
// huma: AuthZEN's error rules are its own (400 for a wrong content type or
// a missing field, where /v1 answers 415 or 422; unknown fields ignored,
// where /v1 refuses them), and a deny or an unknown subject is an answer
// (200, decision false), not an error. They are documented in the OpenAPI
// document all the same.

const azPrefix = "/v1/orgs/{org}/access/v1"

// azEvaluationPattern is the route of a single evaluation, which has a
// fast path.
const azEvaluationPattern = http.MethodPost + " " + azPrefix + "/evaluation"

// azMetadataPath is the AuthZEN metadata of an org: the well-known prefix
// inserted before the PDP's path, as RFC 8615 and AuthZEN place it.
const azMetadataPath = "/.well-known/authzen-configuration/v1/orgs/{org}"

// The wire forms. Plain strings: a missing member and an empty one are the
// same error, and a member of the wrong JSON type fails decoding (400).
type (
	azEntity struct {
		Type       string         `json:"type"`
		ID         string         `json:"id,omitempty"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	azAction struct {
		Name       string         `json:"name"`
		Properties map[string]any `json:"properties,omitempty"`
	}
	azPageIn struct {
		Token     string `json:"token,omitempty"`
		NextToken string `json:"next_token,omitempty" doc:"Accepted for the drafts' shape; token wins"`
		Limit     int    `json:"limit,omitempty"`
	}
	azRequest struct {
		Subject  *azEntity      `json:"subject,omitempty"`
		Action   *azAction      `json:"action,omitempty"`
		Resource *azEntity      `json:"resource,omitempty"`
		Context  map[string]any `json:"context,omitempty"`
	}
	azEvaluationsRequest struct {
		azRequest
		Evaluations []azRequest `json:"evaluations,omitempty"`
		Options     struct {
			EvaluationsSemantic string `json:"evaluations_semantic,omitempty" enum:"execute_all,deny_on_first_deny,permit_on_first_permit"`
		} `json:"options,omitzero"`
	}
	azSearchRequest struct {
		azRequest
		Page *azPageIn `json:"page,omitempty"`
	}
	azDecision struct {
		Decision bool           `json:"decision"`
		Context  map[string]any `json:"context,omitempty"`
	}
	azEvaluations struct {
		Evaluations []azDecision `json:"evaluations"`
	}
	azPageOut struct {
		NextToken string `json:"next_token"`
		Count     int    `json:"count"`
	}
	azSearchAnswer[T any] struct {
		Results []T       `json:"results"`
		Page    azPageOut `json:"page"`
	}
	azMetadata struct {
		PolicyDecisionPoint       string   `json:"policy_decision_point"`
		AccessEvaluationEndpoint  string   `json:"access_evaluation_endpoint"`
		AccessEvaluationsEndpoint string   `json:"access_evaluations_endpoint"`
		SearchSubjectEndpoint     string   `json:"search_subject_endpoint"`
		SearchResourceEndpoint    string   `json:"search_resource_endpoint"`
		SearchActionEndpoint      string   `json:"search_action_endpoint"`
		Capabilities              []string `json:"capabilities,omitempty"`
	}
)

// azError is an error of a whole AuthZEN request: its status and why.
type azError struct {
	status int
	msg    string
}

func (e *azError) Error() string { return e.msg }

func azBad(format string, args ...any) *azError {
	return &azError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func (s *server) authzenRoutes() {
	for _, r := range []struct {
		op, path string
		h        func(*team.PDP, []byte) (any, error)
		summary  string
		in, out  any
	}{
		{"authzenEvaluation", "evaluation", s.azEvaluation, "AuthZEN access evaluation: may the subject do the action on the resource", azRequest{}, azDecision{}},
		{"authzenEvaluations", "evaluations", s.azEvaluations, "AuthZEN access evaluations (boxcarred), with execute_all, deny_on_first_deny or permit_on_first_permit", azEvaluationsRequest{}, azEvaluations{}},
		{"authzenSearchSubject", "search/subject", s.azSearchSubject, "AuthZEN subject search: who may do the action on the resource", azSearchRequest{}, azSearchAnswer[azEntity]{}},
		{"authzenSearchResource", "search/resource", s.azSearchResource, "AuthZEN resource search: the resources of a type the subject may do the action on", azSearchRequest{}, azSearchAnswer[azEntity]{}},
		{"authzenSearchAction", "search/action", s.azSearchAction, "AuthZEN action search: what the subject may do on the resource", azSearchRequest{}, azSearchAnswer[azAction]{}},
	} {
		path := azPrefix + "/" + r.path
		pattern := http.MethodPost + " " + path
		h := s.azHandler(r.h)
		if pattern == azEvaluationPattern && !s.hooks.noFastPath {
			h = s.fastAZEvaluation(h)
		}
		s.mux.HandleFunc(pattern, s.route(pattern, s.authn(h).ServeHTTP))
		s.azDocument(r.op, http.MethodPost, path, r.summary, r.in, r.out)
	}
	pattern := http.MethodGet + " " + azMetadataPath
	s.mux.HandleFunc(pattern, s.route(pattern, s.azMetadata))
	s.azDocument("authzenMetadata", http.MethodGet, azMetadataPath, "AuthZEN metadata of the organization's PDP", nil, azMetadata{})
}

// templateParams declares the parameters of a path template, for the
// operations documented by hand rather than by a huma handler.
func templateParams(path string) []*huma.Param {
	var out []*huma.Param
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, &huma.Param{Name: strings.TrimSuffix(name, "}"), In: "path", Required: true, Schema: &huma.Schema{Type: "string"}})
		}
	}
	return out
}

// azDocument adds an AuthZEN operation to the OpenAPI document without a
// huma handler.
func (s *server) azDocument(id, method, path, summary string, in, out any) {
	reg := s.api.OpenAPI().Components.Schemas
	op := &huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"authzen"},
		Description: "AuthZEN 1.0. Errors: 400 for a content type other than application/json, malformed JSON or a missing " +
			"required member; a deny, an unknown subject, action or resource is 200 with decision false. Unknown members are ignored. " +
			"The caller is a secret key of the organization holding the scheme's audit permission (else 403).",
		Responses: map[string]*huma.Response{}, Parameters: templateParams(path)}
	if in != nil {
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: reg.Schema(reflect.TypeOf(in), true, id+"Request")}}}
	}
	op.Responses["200"] = &huma.Response{Description: "OK", Content: map[string]*huma.MediaType{
		"application/json": {Schema: reg.Schema(reflect.TypeOf(out), true, id+"Response")}}}
	statuses := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge}
	if in == nil {
		op.Security = []map[string][]string{}
		statuses = nil
	}
	for _, st := range statuses {
		op.Responses[fmt.Sprint(st)] = &huma.Response{Description: http.StatusText(st), Content: map[string]*huma.MediaType{
			ProblemContentType: {Schema: reg.Schema(reflect.TypeOf(Problem{}), true, "")}}}
	}
	s.api.OpenAPI().AddOperation(op)
}

// azHandler reads an AuthZEN request: a JSON body under the size limit,
// the caller's PDP, and the answer or the error of the whole request.
func (s *server) azHandler(h func(*team.PDP, []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeProblem(w, newProblem(http.StatusBadRequest, "AuthZEN requests are application/json"))
			return
		}
		body, status, msg := s.readWhole(w, r)
		if status != 0 {
			writeProblem(w, newProblem(status, msg))
			return
		}
		pdp, err := s.svc.PDP(ctx, actor(ctx), r.PathValue("org"))
		if err != nil {
			writeProblem(w, problemOf(ctx, s.log, err))
			return
		}
		out, err := h(pdp, body)
		var ae *azError
		if errors.As(err, &ae) {
			writeProblem(w, newProblem(ae.status, ae.msg))
			return
		}
		if err != nil {
			writeProblem(w, problemOf(ctx, s.log, err))
			return
		}
		azWrite(w, out)
	}
}

func azWrite(w http.ResponseWriter, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeProblem(w, newProblem(http.StatusInternalServerError, genericInternal))
		return
	}
	writeJSON(w, b.Bytes())
}

// azDecode decodes an AuthZEN body: one JSON object, members of the right
// types, unknown members ignored.
func azDecode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return azBad("member %s: want a JSON %s", te.Field, te.Type.Kind())
		}
		return azBad("malformed JSON")
	}
	if dec.More() {
		return azBad("malformed JSON: more than one value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return azBad("malformed JSON: trailing data")
	}
	return nil
}

// require checks the members an endpoint needs, in AuthZEN's order, and
// names the first one missing: every endpoint needs the subject's and the
// resource's types, and says whether it needs their ids and the action.
func (q *azRequest) require(subjectID, action, resourceID bool) error {
	if err := azEntityMissing("subject", q.Subject, subjectID); err != nil {
		return err
	}
	if action && (q.Action == nil || q.Action.Name == "") {
		return azBad("action with name is required")
	}
	return azEntityMissing("resource", q.Resource, resourceID)
}

func azEntityMissing(name string, e *azEntity, needID bool) error {
	switch {
	case needID && (e == nil || e.Type == "" || e.ID == ""):
		return azBad("%s with type and id is required", name)
	case e == nil || e.Type == "":
		return azBad("%s with type is required", name)
	}
	return nil
}

// evaluation checks a whole 4-tuple and returns it for the PDP.
func (q *azRequest) evaluation() (team.AZEvaluation, error) {
	if err := q.require(true, true, true); err != nil {
		return team.AZEvaluation{}, err
	}
	return team.AZEvaluation{Subject: q.Subject.subject(), Action: q.Action.action(), Resource: q.Resource.resource()}, nil
}

// The PDP's forms of the wire's entities, properties included: a search
// passes on what the caller states as an evaluation does.
func (e *azEntity) subject() team.AZSubject {
	return team.AZSubject{Type: e.Type, ID: e.ID, Properties: e.Properties}
}

func (e *azEntity) resource() team.AZResource {
	return team.AZResource{Type: e.Type, ID: e.ID, Properties: e.Properties}
}

func (a *azAction) action() team.AZAction {
	return team.AZAction{Name: a.Name, Properties: a.Properties}
}

func (s *server) azEvaluation(pdp *team.PDP, body []byte) (any, error) {
	var q azRequest
	if err := azDecode(body, &q); err != nil {
		return nil, err
	}
	e, err := q.evaluation()
	if err != nil {
		return nil, err
	}
	ans, err := pdp.Evaluate(e)
	if err != nil {
		return nil, err
	}
	return decisionOf(ans), nil
}

// decisionOf is an answer as AuthZEN writes it; properties the caller may
// not state are named in its context, so a caller learns why they did not
// count.
func decisionOf(ans team.AZAnswer) azDecision {
	d := azDecision{Decision: ans.Decision}
	if ans.PropsIgnored {
		d.Context = map[string]any{"properties_ignored": "this key may not state request properties; they were not used"}
	}
	return d
}

// The evaluations semantics of AuthZEN 1.0.
const (
	azExecuteAll     = "execute_all"
	azDenyOnDeny     = "deny_on_first_deny"
	azPermitOnPermit = "permit_on_first_permit"
)

func (s *server) azEvaluations(pdp *team.PDP, body []byte) (any, error) {
	var q azEvaluationsRequest
	if err := azDecode(body, &q); err != nil {
		return nil, err
	}
	semantic := q.Options.EvaluationsSemantic
	switch semantic {
	case "":
		semantic = azExecuteAll
	case azExecuteAll, azDenyOnDeny, azPermitOnPermit:
	default:
		return nil, azBad("options.evaluations_semantic: want execute_all, deny_on_first_deny or permit_on_first_permit")
	}
	if len(q.Evaluations) == 0 {
		// No evaluations: the request is a single evaluation, answered as one.
		return s.azEvaluation(pdp, body)
	}
	if len(q.Evaluations) > team.MaxBatch {
		return nil, azBad("at most %d evaluations", team.MaxBatch)
	}
	out := azEvaluations{Evaluations: make([]azDecision, 0, len(q.Evaluations))}
	for _, item := range q.Evaluations {
		// A member an item gives replaces the default whole.
		if item.Subject == nil {
			item.Subject = q.Subject
		}
		if item.Action == nil {
			item.Action = q.Action
		}
		if item.Resource == nil {
			item.Resource = q.Resource
		}
		d := azDecision{}
		e, err := item.evaluation()
		if err == nil {
			var ans team.AZAnswer
			ans, err = pdp.Evaluate(e)
			d = decisionOf(ans)
		}
		var ae *azError
		switch {
		case errors.As(err, &ae):
			d = azDecision{Context: map[string]any{"error": map[string]any{"status": ae.status, "message": ae.msg}}}
		case err != nil:
			return nil, err
		}
		out.Evaluations = append(out.Evaluations, d)
		if semantic == azDenyOnDeny && !d.Decision || semantic == azPermitOnPermit && d.Decision {
			break
		}
	}
	return out, nil
}

func (q *azSearchRequest) page() team.AZPage {
	if q.Page == nil {
		return team.AZPage{}
	}
	tok := q.Page.Token
	if tok == "" {
		tok = q.Page.NextToken
	}
	return team.AZPage{Token: tok, Limit: q.Page.Limit}
}

func (s *server) azSearchSubject(pdp *team.PDP, body []byte) (any, error) {
	var q azSearchRequest
	if err := azDecode(body, &q); err != nil {
		return nil, err
	}
	if err := q.require(false, true, true); err != nil {
		return nil, err
	}
	subs, next, err := pdp.SearchSubjects(q.Subject.Type, q.Action.action(), q.Resource.resource(), q.page())
	if err != nil {
		return nil, err
	}
	res := make([]azEntity, len(subs))
	for i, sb := range subs {
		res[i] = azEntity{Type: sb.Type, ID: sb.ID}
	}
	return azSearchAnswer[azEntity]{Results: res, Page: azPageOut{NextToken: next, Count: len(res)}}, nil
}

func (s *server) azSearchResource(pdp *team.PDP, body []byte) (any, error) {
	var q azSearchRequest
	if err := azDecode(body, &q); err != nil {
		return nil, err
	}
	if err := q.require(true, true, false); err != nil {
		return nil, err
	}
	rs, next, err := pdp.SearchResources(q.Subject.subject(), q.Action.action(), q.Resource.Type, q.page())
	if err != nil {
		return nil, err
	}
	res := make([]azEntity, len(rs))
	for i, r := range rs {
		res[i] = azEntity{Type: r.Type, ID: r.ID}
	}
	return azSearchAnswer[azEntity]{Results: res, Page: azPageOut{NextToken: next, Count: len(res)}}, nil
}

func (s *server) azSearchAction(pdp *team.PDP, body []byte) (any, error) {
	var q azSearchRequest
	if err := azDecode(body, &q); err != nil {
		return nil, err
	}
	if err := q.require(true, false, true); err != nil {
		return nil, err
	}
	as, next, err := pdp.SearchActions(q.Subject.subject(), q.Resource.resource(), q.page())
	if err != nil {
		return nil, err
	}
	res := make([]azAction, len(as))
	for i, a := range as {
		res[i] = azAction{Name: a.Name}
	}
	return azSearchAnswer[azAction]{Results: res, Page: azPageOut{NextToken: next, Count: len(res)}}, nil
}

// azMetadata answers the AuthZEN metadata of an org. It is public, as
// discovery is, and built from the path alone: it answers alike for every
// well-formed org id, so it tells nobody which orgs exist.
func (s *server) azMetadata(w http.ResponseWriter, r *http.Request) {
	org := r.PathValue("org")
	if !domain.ValidOrgID(org) {
		writeProblem(w, newProblem(http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path))
		return
	}
	base := s.svc.PublicURL()
	if base == "" {
		base = "https://" + r.Host
	}
	pdp := base + "/v1/orgs/" + org
	azWrite(w, azMetadata{
		PolicyDecisionPoint:       pdp,
		AccessEvaluationEndpoint:  pdp + "/access/v1/evaluation",
		AccessEvaluationsEndpoint: pdp + "/access/v1/evaluations",
		SearchSubjectEndpoint:     pdp + "/access/v1/search/subject",
		SearchResourceEndpoint:    pdp + "/access/v1/search/resource",
		SearchActionEndpoint:      pdp + "/access/v1/search/action",
	})
}
