package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// SCIM 2.0 (RFC 7643, 7644) per organization: the base URL of org acme is
// {base}/v1/orgs/acme/scim/v2. Like AuthZEN's, these routes are plain
// net/http: SCIM has its own error body (urn:…:Error, status as a string,
// scimType), its own content type (application/scim+json), ignores
// attributes it does not know, and authenticates with the org's SCIM
// tokens only. They are in the OpenAPI document all the same.

const (
	scimPrefix      = "/v1/orgs/{org}/scim/v2"
	scimContentType = "application/scim+json"

	scimUserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimListSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

	scimMaxResults = 1000
)

// scimErr is a SCIM error: its status, scimType and detail.
type scimErr struct {
	status   int
	scimType string
	detail   string
}

func (e *scimErr) Error() string { return e.detail }

func scimBad(scimType, format string, args ...any) *scimErr {
	return &scimErr{status: http.StatusBadRequest, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

type scimErrorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status" doc:"The HTTP status, as a string (RFC 7644 §3.12)"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// writeSCIMError writes err as a SCIM error. A fault keeps its one status
// (fault.Code.HTTPStatus), but where /v1 says 422 SCIM says 400
// invalidValue, and a clash with an existing resource is SCIM's uniqueness.
func (s *server) writeSCIMError(w http.ResponseWriter, r *http.Request, err error) {
	var se *scimErr
	if !errors.As(err, &se) {
		p := problemOf(r.Context(), s.log, err)
		se = &scimErr{status: p.Status, detail: p.Detail}
		for k, v := range p.GetHeaders() {
			w.Header()[k] = v
		}
		switch p.Status {
		case http.StatusUnprocessableEntity:
			se.status, se.scimType = http.StatusBadRequest, "invalidValue"
		case http.StatusConflict:
			// Only a clash with an existing resource is SCIM's uniqueness;
			// a seat limit or a refused suspension is a plain 409.
			if p.ExistingID != "" {
				se.scimType = "uniqueness"
			}
		case http.StatusUnsupportedMediaType:
			se.status, se.scimType = http.StatusBadRequest, "invalidSyntax"
		}
	}
	b, _ := json.Marshal(scimErrorBody{Schemas: []string{scimErrorSchema}, Status: strconv.Itoa(se.status), ScimType: se.scimType, Detail: se.detail})
	w.Header().Set("Content-Type", scimContentType)
	w.WriteHeader(se.status)
	w.Write(b)
}

func scimWrite(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status, b = http.StatusInternalServerError, *bytes.NewBufferString(`{"schemas":["` + scimErrorSchema + `"],"status":"500"}`)
	}
	w.Header().Set("Content-Type", scimContentType)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// scimHandler is one SCIM operation: it authenticates the org's SCIM
// token, reads the body (SCIM or plain JSON, under the size limit) and
// writes the answer or the SCIM error.
type scimHandler func(r *http.Request, a team.Actor, org string, body []byte) (int, any, error)

func (s *server) scimAuth(h scimHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		st := stateOf(ctx)
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
			s.writeSCIMError(w, r, &scimErr{status: http.StatusUnauthorized, detail: "missing credentials: send Authorization: Bearer <SCIM token>"})
			return
		}
		org := r.PathValue("org")
		a, err := s.svc.AuthenticateSCIM(ctx, org, token, st.id)
		if err != nil {
			s.writeSCIMError(w, r, err)
			return
		}
		st.actor = a
		// The answer's view is checked before anything is written: a write
		// refused for how its answer is asked for must not have happened.
		if _, err := urlView(r); err != nil {
			s.writeSCIMError(w, r, err)
			return
		}
		var body []byte
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != scimContentType && mt != "application/json" {
				s.writeSCIMError(w, r, scimBad("invalidSyntax", "SCIM requests are application/scim+json"))
				return
			}
			var status int
			var msg string
			if body, status, msg = s.readWhole(w, r); status != 0 {
				e := &scimErr{status: status, detail: msg}
				if status == http.StatusBadRequest {
					e.scimType = "invalidSyntax"
				}
				s.writeSCIMError(w, r, e)
				return
			}
		}
		status, out, err := h(r, a, org, body)
		if err != nil {
			s.writeSCIMError(w, r, err)
			return
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		scimWrite(w, status, out)
	}
}

func (s *server) scimRoutes() {
	for _, rt := range []struct {
		op, method, path, summary string
		h                         scimHandler
		in                        any
	}{
		{"scimServiceProviderConfig", "GET", "/ServiceProviderConfig", "SCIM service provider configuration", s.scimConfig, nil},
		{"scimResourceTypes", "GET", "/ResourceTypes", "SCIM resource types (User, Group)", s.scimResourceTypes, nil},
		{"scimResourceType", "GET", "/ResourceTypes/{id}", "One SCIM resource type", s.scimResourceType, nil},
		{"scimSchemas", "GET", "/Schemas", "SCIM schemas", s.scimSchemas, nil},
		{"scimSchema", "GET", "/Schemas/{id}", "One SCIM schema", s.scimSchema, nil},
		{"scimSearch", "POST", "/.search", "Search users and groups at once (a SearchRequest body)", s.scimSearch, scimSearchRequest{}},
		{"scimListUsers", "GET", "/Users", "List SCIM users (filter userName, externalId or id eq; startIndex, count)", s.scimLister(s.findUsers, userFilters, false), nil},
		{"scimSearchUsers", "POST", "/Users/.search", "Search SCIM users (a SearchRequest body, as the list's query)", s.scimLister(s.findUsers, userFilters, true), scimSearchRequest{}},
		{"scimCreateUser", "POST", "/Users", "Provision a member (judged as inviting them with the token's role)", s.scimCreateUser, scimResource{}},
		{"scimGetUser", "GET", "/Users/{id}", "One SCIM user", s.scimGetUser, nil},
		{"scimReplaceUser", "PUT", "/Users/{id}", "Replace a SCIM user; active false suspends the membership at once", s.scimReplaceUser, scimResource{}},
		{"scimPatchUser", "PATCH", "/Users/{id}", "Patch a SCIM user (Okta's and Entra ID's forms)", s.scimPatchUser, scimPatch{}},
		{"scimDeleteUser", "DELETE", "/Users/{id}", "Remove the membership; the account and the member's resources stay", s.scimDeleteUser, nil},
		{"scimListGroups", "GET", "/Groups", "List SCIM groups (filter displayName, externalId or id eq; startIndex, count)", s.scimLister(s.findGroups, groupFilters, false), nil},
		{"scimSearchGroups", "POST", "/Groups/.search", "Search SCIM groups (a SearchRequest body, as the list's query)", s.scimLister(s.findGroups, groupFilters, true), scimSearchRequest{}},
		{"scimCreateGroup", "POST", "/Groups", "Create a group", s.scimCreateGroup, scimResource{}},
		{"scimGetGroup", "GET", "/Groups/{id}", "One SCIM group", s.scimGetGroup, nil},
		{"scimReplaceGroup", "PUT", "/Groups/{id}", "Replace a group's name and members", s.scimReplaceGroup, scimResource{}},
		{"scimPatchGroup", "PATCH", "/Groups/{id}", "Patch a group: rename, add or remove members", s.scimPatchGroup, scimPatch{}},
		{"scimDeleteGroup", "DELETE", "/Groups/{id}", "Delete a group (its grants end)", s.scimDeleteGroup, nil},
	} {
		path := scimPrefix + rt.path
		pattern := rt.method + " " + path
		s.mux.HandleFunc(pattern, s.route(pattern, s.scimAuth(rt.h)))
		s.scimDocument(rt.op, rt.method, path, rt.summary, rt.in)
	}
	// A search path is no resource id: another method there is 405, not a
	// lookup of a user named ".search".
	for _, kind := range []string{"/Users/.search", "/Groups/.search"} {
		for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			pattern := m + " " + scimPrefix + kind
			s.mux.HandleFunc(pattern, s.route(pattern, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", "POST")
				s.writeSCIMError(w, r, &scimErr{status: http.StatusMethodNotAllowed, detail: "a search is a POST"})
			}))
		}
	}
	// Any other path under a SCIM base (an empty id, an unknown endpoint)
	// is SCIM's 404, the same whether the org exists or not; another
	// method on an endpoint that exists is 405, as RFC 7644 asks.
	s.mux.HandleFunc(scimPrefix+"/", s.route(scimPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, strings.Replace(scimPrefix, "{org}", r.PathValue("org"), 1))
		if scimEndpoint.MatchString(rest) {
			s.writeSCIMError(w, r, &scimErr{status: http.StatusMethodNotAllowed, detail: "method not allowed here"})
			return
		}
		s.writeSCIMError(w, r, &scimErr{status: http.StatusNotFound, detail: "no such SCIM endpoint"})
	}))
}

// scimResource and scimPatch are the documented shapes; handlers read the
// body as a generic object, as SCIM's extensibility asks.
type scimResource struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	UserName    string   `json:"userName,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Active      *bool    `json:"active,omitempty"`
}

type scimPatch struct {
	Schemas    []string `json:"schemas"`
	Operations []struct {
		Op    string `json:"op"`
		Path  string `json:"path,omitempty"`
		Value any    `json:"value,omitempty"`
	} `json:"Operations"`
}

func (s *server) scimDocument(id, method, path, summary string, in any) {
	reg := s.api.OpenAPI().Components.Schemas
	op := &huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"scim"},
		Description: "SCIM 2.0 (RFC 7644). Authenticated by a SCIM token of the organization (POST /v1/orgs/{org}/scim-tokens); " +
			"any other credential, or a token of another organization, is 401. Bodies are application/scim+json (application/json " +
			"accepted); unknown attributes are kept or ignored, never refused. Errors are SCIM error bodies.",
		Responses: map[string]*huma.Response{}, Parameters: templateParams(path)}
	if in != nil {
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			scimContentType: {Schema: reg.Schema(reflect.TypeOf(in), true, id+"Request")}}}
	}
	okStatus := "200"
	switch method {
	case http.MethodPost:
		if !strings.HasSuffix(path, "/.search") {
			okStatus = "201"
		}
	case http.MethodDelete:
		okStatus = "204"
	}
	if okStatus == "204" {
		op.Responses[okStatus] = &huma.Response{Description: "No Content"}
	} else {
		op.Responses[okStatus] = &huma.Response{Description: "OK", Content: map[string]*huma.MediaType{
			scimContentType: {Schema: &huma.Schema{Type: "object", AdditionalProperties: true}}}}
	}
	errSchema := reg.Schema(reflect.TypeOf(scimErrorBody{}), true, "SCIMError")
	for _, st := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge} {
		op.Responses[fmt.Sprint(st)] = &huma.Response{Description: http.StatusText(st), Content: map[string]*huma.MediaType{
			scimContentType: {Schema: errSchema}}}
	}
	s.api.OpenAPI().AddOperation(op)
}

// location is the absolute URL of a resource, as meta.location wants.
func scimLocation(r *http.Request, org, kind, id string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.Replace(scimPrefix, "{org}", org, 1) + "/" + kind + "/" + id
}

func scimTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// --- resources: wire form <-> use case form

// scimKnownUser are the attributes of a User the server owns or models;
// the rest is the org's record.
var scimKnownUser = map[string]bool{"schemas": true, "id": true, "meta": true, "username": true, "active": true,
	"externalid": true, "groups": true, "password": true}

var scimKnownGroup = map[string]bool{"schemas": true, "id": true, "meta": true, "displayname": true, "externalid": true, "members": true}

// splitRecord keeps the attributes not in known as the record's JSON.
func splitRecord(obj map[string]any, known map[string]bool) domain.SCIMRecord {
	rest := map[string]any{}
	for k, v := range obj {
		if !known[strings.ToLower(k)] && v != nil {
			rest[k] = v
		}
	}
	b, _ := json.Marshal(rest)
	ext, _ := lookup(obj, "externalId").(string)
	return domain.SCIMRecord{ExternalID: ext, Attributes: b}
}

// lookup reads an attribute case-insensitively, as SCIM names are.
func lookup(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// scimBool reads a boolean, and the strings "True" and "False" Entra ID sends.
func scimBool(v any, def bool) (bool, error) {
	switch b := v.(type) {
	case nil:
		return def, nil
	case bool:
		return b, nil
	case string:
		if x, err := strconv.ParseBool(strings.ToLower(b)); err == nil {
			return x, nil
		}
	}
	return false, scimBad("invalidValue", "active must be a boolean")
}

func decodeObject(body []byte) (map[string]any, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, scimBad("invalidSyntax", "the body must be one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, scimBad("invalidSyntax", "trailing data after the JSON object")
	}
	return obj, nil
}

// scimInternal is the prefix of the keys the server keeps in an org's
// record for itself; a client's own are dropped, or a client could set
// what the server reads back as the userName.
const scimInternal = "x-gatehouse-"

func userInput(obj map[string]any) (team.SCIMUserInput, error) {
	obj = maps.Clone(obj)
	for k := range obj {
		if strings.HasPrefix(strings.ToLower(k), scimInternal) {
			delete(obj, k)
		}
	}
	userName, _ := lookup(obj, "userName").(string)
	userName = strings.TrimSpace(userName)
	active, err := scimBool(lookup(obj, "active"), true)
	if err != nil {
		return team.SCIMUserInput{}, err
	}
	in := team.SCIMUserInput{Email: userName, Active: active}
	// A userName that is no email (an IdP's login name) is kept as the
	// org's record; the account's email is then the primary (else first)
	// of emails.
	if userName != "" && domain.CheckEmail(domain.NormalizeEmail(userName)) != nil {
		in.Email = scimEmail(lookup(obj, "emails"))
		if in.Email == "" {
			return team.SCIMUserInput{}, scimBad("invalidValue", "userName is not an email, and emails has none: a member is known by an email")
		}
		obj[scimInternal+"userName"] = userName
	}
	in.Record = splitRecord(obj, scimKnownUser)
	in.Name, _ = lookup(obj, "displayName").(string)
	if name, ok := lookup(obj, "name").(map[string]any); ok && in.Name == "" {
		if f, _ := lookup(name, "formatted").(string); f != "" {
			in.Name = f
		} else {
			g, _ := lookup(name, "givenName").(string)
			f, _ := lookup(name, "familyName").(string)
			in.Name = strings.TrimSpace(g + " " + f)
		}
	}
	return in, nil
}

// scimEmail is the primary, else the first, valid email of an emails list.
func scimEmail(v any) string {
	list, _ := v.([]any)
	first := ""
	for _, x := range list {
		m, _ := x.(map[string]any)
		e, _ := lookup(m, "value").(string)
		e = domain.NormalizeEmail(e)
		if domain.CheckEmail(e) != nil {
			continue
		}
		if p, _ := scimBool(lookup(m, "primary"), false); p {
			return e
		}
		if first == "" {
			first = e
		}
	}
	return first
}

// scimUserName is what the IdP calls the user: its userName when it was no
// email, else the account's email.
func scimUserName(u team.SCIMUser) string {
	var rec map[string]any
	if json.Unmarshal(u.Record.Attributes, &rec) == nil {
		if n, _ := rec[scimInternal+"userName"].(string); n != "" {
			return n
		}
	}
	return u.Email
}

func (s *server) userResource(r *http.Request, org string, u team.SCIMUser) map[string]any {
	out := map[string]any{}
	if len(u.Record.Attributes) > 0 {
		json.Unmarshal(u.Record.Attributes, &out)
	}
	schemas := []string{scimUserSchema}
	for k := range out {
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			schemas = append(schemas, k)
		}
	}
	out["schemas"] = schemas
	out["id"] = u.ID
	delete(out, scimInternal+"userName")
	out["userName"] = scimUserName(u)
	out["active"] = u.Active
	if u.Record.ExternalID != "" {
		out["externalId"] = u.Record.ExternalID
	}
	// A member the IdP never described shows the account's name; one it
	// did shows what it said, a removed displayName included.
	if _, ok := out["displayName"]; !ok && u.Name != "" && len(u.Record.Attributes) <= 2 {
		out["displayName"] = u.Name
	}
	groups := []map[string]any{}
	for _, g := range u.Groups {
		groups = append(groups, map[string]any{"value": g.ID, "display": g.Display, "$ref": scimLocation(r, org, "Groups", g.ID)})
	}
	if len(groups) > 0 {
		out["groups"] = groups
	}
	out["meta"] = map[string]any{"resourceType": "User", "created": scimTime(u.JoinedAt), "lastModified": scimTime(u.JoinedAt),
		"location": scimLocation(r, org, "Users", u.ID)}
	return out
}

func (s *server) groupResource(r *http.Request, org string, g team.SCIMGroup) map[string]any {
	out := map[string]any{}
	if len(g.Record.Attributes) > 0 {
		json.Unmarshal(g.Record.Attributes, &out)
	}
	out["schemas"] = []string{scimGroupSchema}
	out["id"] = g.ID
	out["displayName"] = g.Name
	if g.Record.ExternalID != "" {
		out["externalId"] = g.Record.ExternalID
	}
	members := []map[string]any{}
	for _, m := range g.Members {
		// No display: RFC 7643's Group schema gives members none, and a
		// server-made one would differ from the members a client sent.
		members = append(members, map[string]any{"value": m.ID, "$ref": scimLocation(r, org, "Users", m.ID)})
	}
	out["members"] = members
	out["meta"] = map[string]any{"resourceType": "Group", "location": scimLocation(r, org, "Groups", g.ID)}
	return out
}

// --- lists

// scimFilter is the one filter form identity providers send: attr eq "v".
type scimFilter struct{ attr, value string }

func parseFilter(f string, allowed ...string) (*scimFilter, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return nil, nil
	}
	attr, rest, ok := strings.Cut(f, " ")
	op, val, ok2 := strings.Cut(strings.TrimSpace(rest), " ")
	val = strings.TrimSpace(val)
	if !ok || !ok2 || !strings.EqualFold(op, "eq") || len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, scimBad("invalidFilter", "only filters of the form attribute eq \"value\" are supported")
	}
	unq, err := strconv.Unquote(val)
	if err != nil {
		return nil, scimBad("invalidFilter", "the filter's value is not a valid string")
	}
	for _, a := range allowed {
		if strings.EqualFold(attr, a) {
			return &scimFilter{attr: a, value: unq}, nil
		}
	}
	return nil, scimBad("invalidFilter", "filtering is supported on %s only", strings.Join(allowed, ", "))
}

func listResponse(items []map[string]any, total, start int) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{"schemas": []string{scimListSchema}, "totalResults": total, "startIndex": start + 1,
		"itemsPerPage": len(items), "Resources": items}
}

// --- Users

var userFilters = []string{"userName", "externalId", "id"}

// findUsers renders the users that match filter, an attribute of allowed.
func (s *server) findUsers(r *http.Request, a team.Actor, org, filter string, allowed []string) ([]map[string]any, error) {
	f, err := parseFilter(filter, allowed...)
	if err != nil {
		return nil, err
	}
	users, err := s.svc.SCIMUsers(r.Context(), a, org)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, u := range users {
		if f == nil ||
			f.attr == "userName" && strings.EqualFold(scimUserName(u), f.value) ||
			f.attr == "externalId" && u.Record.ExternalID == f.value ||
			f.attr == "id" && u.ID == f.value {
			out = append(out, s.userResource(r, org, u))
		}
	}
	return out, nil
}

func (s *server) scimGetUser(r *http.Request, a team.Actor, org string, _ []byte) (int, any, error) {
	u, err := s.svc.SCIMGetUser(r.Context(), a, org, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusOK, s.userResource(r, org, u))
}

func (s *server) scimCreateUser(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	in, err := userInput(obj)
	if err != nil {
		return 0, nil, err
	}
	if in.Email == "" {
		return 0, nil, scimBad("invalidValue", "userName (the member's email) is required")
	}
	u, err := s.svc.SCIMCreateUser(r.Context(), a, org, in)
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusCreated, s.userResource(r, org, u))
}

func (s *server) scimReplaceUser(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	return s.replaceUser(r, a, org, obj)
}

func (s *server) replaceUser(r *http.Request, a team.Actor, org string, obj map[string]any) (int, any, error) {
	in, err := userInput(obj)
	if err != nil {
		return 0, nil, err
	}
	cur, err := s.svc.SCIMGetUser(r.Context(), a, org, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	// userName names the account, shared with other orgs: it stays.
	if n, _ := lookup(obj, "userName").(string); n != "" && !strings.EqualFold(strings.TrimSpace(n), scimUserName(cur)) {
		return 0, nil, scimBad("mutability", "userName cannot change through SCIM: it names the account, which other organizations share")
	}
	in.Email = ""
	u, err := s.svc.SCIMReplaceUser(r.Context(), a, org, r.PathValue("id"), in)
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusOK, s.userResource(r, org, u))
}

func (s *server) scimPatchUser(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	ops, err := decodePatch(body)
	if err != nil {
		return 0, nil, err
	}
	u, err := s.svc.SCIMGetUser(r.Context(), a, org, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	res := s.userResource(r, org, u)
	for _, op := range ops {
		if err := applyOp(res, op); err != nil {
			return 0, nil, err
		}
	}
	return s.replaceUser(r, a, org, res)
}

func (s *server) scimDeleteUser(r *http.Request, a team.Actor, org string, _ []byte) (int, any, error) {
	if err := s.svc.SCIMDeleteUser(r.Context(), a, org, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// --- Groups

// memberIDs reads a members array: [{"value": id}, …].
func memberIDs(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if ms, isMaps := v.([]map[string]any); isMaps {
		ok = true
		for _, m := range ms {
			list = append(list, m)
		}
	}
	if !ok {
		if m, isObj := v.(map[string]any); isObj {
			list = []any{m}
		} else {
			return nil, scimBad("invalidValue", "members must be a list of {\"value\": id}")
		}
	}
	out := []string{}
	for _, x := range list {
		m, _ := x.(map[string]any)
		id, _ := lookup(m, "value").(string)
		if id == "" {
			return nil, scimBad("invalidValue", "each member needs a value (the user id)")
		}
		out = append(out, id)
	}
	return out, nil
}

var groupFilters = []string{"displayName", "externalId", "id"}

// findGroups renders the groups that match filter, an attribute of allowed.
func (s *server) findGroups(r *http.Request, a team.Actor, org, filter string, allowed []string) ([]map[string]any, error) {
	f, err := parseFilter(filter, allowed...)
	if err != nil {
		return nil, err
	}
	gs, err := s.svc.SCIMGroups(r.Context(), a, org, "")
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, g := range gs {
		if f == nil ||
			f.attr == "displayName" && strings.EqualFold(g.Name, f.value) ||
			f.attr == "externalId" && g.Record.ExternalID == f.value ||
			f.attr == "id" && g.ID == f.value {
			out = append(out, s.groupResource(r, org, g))
		}
	}
	return out, nil
}

func (s *server) scimGetGroup(r *http.Request, a team.Actor, org string, _ []byte) (int, any, error) {
	gs, err := s.svc.SCIMGroups(r.Context(), a, org, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusOK, s.groupResource(r, org, gs[0]))
}

func groupInput(obj map[string]any) (string, domain.SCIMRecord, []string, error) {
	name, _ := lookup(obj, "displayName").(string)
	members, err := memberIDs(lookup(obj, "members"))
	if members == nil && err == nil {
		members = []string{}
	}
	return strings.TrimSpace(name), splitRecord(obj, scimKnownGroup), members, err
}

func (s *server) scimCreateGroup(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	name, rec, members, err := groupInput(obj)
	if err != nil {
		return 0, nil, err
	}
	if name == "" {
		return 0, nil, scimBad("invalidValue", "displayName is required")
	}
	g, err := s.svc.SCIMCreateGroup(r.Context(), a, org, name, rec, members)
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusCreated, s.groupResource(r, org, g))
}

func (s *server) scimReplaceGroup(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	name, rec, members, err := groupInput(obj)
	if err != nil {
		return 0, nil, err
	}
	g, err := s.svc.SCIMReplaceGroup(r.Context(), a, org, r.PathValue("id"), name, rec, members, nil)
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusOK, s.groupResource(r, org, g))
}

// scimPatchGroup applies the operations, in order, to the group as read,
// then writes what they changed: the name and record, and each member
// added or removed against the group as read. Okta and Entra ID send
// members a few at a time, often concurrently, so a member no operation
// names stays whatever happened to her meanwhile.
func (s *server) scimPatchGroup(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	ops, err := decodePatch(body)
	if err != nil {
		return 0, nil, err
	}
	ctx, id := r.Context(), r.PathValue("id")
	gs, err := s.svc.SCIMGroups(ctx, a, org, id)
	if err != nil {
		return 0, nil, err
	}
	// Every operation is applied to the group as read before anything is
	// written: one that fails to apply leaves nothing done, and one on
	// members is not undone by a later one on another attribute.
	res := s.groupResource(r, org, gs[0])
	base := []string{}
	for _, m := range gs[0].Members {
		base = append(base, m.ID)
	}
	for _, op := range ops {
		path := strings.ToLower(strings.TrimSpace(op.Path))
		switch {
		case path == "members" && (op.Op == "add" || op.Op == "remove" && op.Value != nil):
			ids, err := memberIDs(op.Value)
			if err != nil {
				return 0, nil, err
			}
			if err := setMembers(res, ids, op.Op == "remove"); err != nil {
				return 0, nil, err
			}
		case op.Op == "remove" && strings.HasPrefix(path, "members["):
			f, err := parseFilter(strings.TrimSuffix(op.Path[len("members["):], "]"), "value")
			if err != nil || f == nil {
				return 0, nil, scimBad("invalidPath", "remove members[value eq \"id\"] names one member")
			}
			if err := setMembers(res, []string{f.value}, true); err != nil {
				return 0, nil, err
			}
		default:
			if err := applyOp(res, op); err != nil {
				return 0, nil, err
			}
		}
	}
	name, rec, members, err := groupInput(res)
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.svc.SCIMReplaceGroup(ctx, a, org, id, name, rec, members, base); err != nil {
		return 0, nil, err
	}
	gs, err = s.svc.SCIMGroups(ctx, a, org, id)
	if err != nil {
		return 0, nil, err
	}
	return answer(r, http.StatusOK, s.groupResource(r, org, gs[0]))
}

// setMembers adds ids to (or removes them from) the members of a group
// resource; one already in (or already out) is no change, as PATCH asks.
func setMembers(res map[string]any, ids []string, remove bool) error {
	cur, err := memberIDs(res["members"])
	if err != nil {
		return err
	}
	out := []any{}
	for _, m := range cur {
		if !remove || !slices.Contains(ids, m) {
			out = append(out, map[string]any{"value": m})
		}
	}
	if !remove {
		for _, m := range ids {
			if !slices.Contains(cur, m) {
				out = append(out, map[string]any{"value": m})
				cur = append(cur, m)
			}
		}
	}
	res["members"] = out
	return nil
}

func (s *server) scimDeleteGroup(r *http.Request, a team.Actor, org string, _ []byte) (int, any, error) {
	if _, err := s.svc.DeleteGroup(r.Context(), a, org, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// scimEndpoint matches the endpoints that exist (for 405 over 404).
var scimEndpoint = regexp.MustCompile(`^/(\.search|ServiceProviderConfig|ResourceTypes(/[^/]+)?|Schemas(/[^/]+)?|Users(/[^/]+)?|Groups(/[^/]+)?)$`)

// errNoSuchResource is a discovery lookup of an unknown id.
var errNoSuchResource = fault.E(fault.NotFound, "no such resource")
