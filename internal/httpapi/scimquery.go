package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/team"
)

const scimSearchSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// scimQuery is what a list or a read asks for (RFC 7644 §3.4.2): a filter,
// the attributes to return or to leave out, and a page. It comes from the
// URL of a GET or from the body of a POST to .search, which means the same.
type scimQuery struct {
	filter               string
	attributes, excluded []string
	start, count         int // start is 1-based
}

func urlQuery(r *http.Request) (scimQuery, error) {
	v := r.URL.Query()
	q := projection(r)
	q.filter, q.start, q.count = v.Get("filter"), 1, 100
	var err error
	if s := v.Get("startIndex"); s != "" {
		if q.start, err = strconv.Atoi(s); err != nil {
			return q, scimBad("invalidValue", "startIndex must be an integer")
		}
	}
	if s := v.Get("count"); s != "" {
		if q.count, err = strconv.Atoi(s); err != nil {
			return q, scimBad("invalidValue", "count must be an integer")
		}
	}
	return q, nil
}

// scimSearchRequest is the body of POST .search (RFC 7644 §3.4.3).
type scimSearchRequest struct {
	Schemas            []string `json:"schemas" doc:"[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"]"`
	Filter             string   `json:"filter,omitempty" doc:"attribute eq \"value\""`
	Attributes         []string `json:"attributes,omitempty"`
	ExcludedAttributes []string `json:"excludedAttributes,omitempty"`
	StartIndex         *int     `json:"startIndex,omitempty"`
	Count              *int     `json:"count,omitempty"`
	SortBy             string   `json:"sortBy,omitempty" doc:"Not supported: a search that sorts is refused"`
}

// projection is the URL's attributes and excludedAttributes alone, which
// every answer with a resource honours (RFC 7644 §3.9), writes included.
func projection(r *http.Request) scimQuery {
	v := r.URL.Query()
	return scimQuery{attributes: splitList(v.Get("attributes")), excluded: splitList(v.Get("excludedAttributes"))}
}

// answer is a resource as the URL asks to see it.
func answer(r *http.Request, status int, res map[string]any) (int, any, error) {
	return status, projection(r).project(res), nil
}

// searchQuery reads a SearchRequest, the body of POST .search.
func searchQuery(body []byte) (scimQuery, error) {
	var in scimSearchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		return scimQuery{}, scimBad("invalidSyntax", "a search is a SearchRequest: {\"schemas\":[%q], \"filter\", \"attributes\", \"excludedAttributes\", \"startIndex\", \"count\"}", scimSearchSchema)
	}
	if !slices.Contains(in.Schemas, scimSearchSchema) {
		return scimQuery{}, scimBad("invalidSyntax", "a search's schemas must name %s", scimSearchSchema)
	}
	if in.SortBy != "" {
		return scimQuery{}, scimBad("invalidValue", "sorting is not supported (the service provider configuration says so)")
	}
	q := scimQuery{filter: in.Filter, attributes: in.Attributes, excluded: in.ExcludedAttributes, start: 1, count: 100}
	if in.StartIndex != nil {
		q.start = *in.StartIndex
	}
	if in.Count != nil {
		q.count = *in.Count
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// page is the list response of found: startIndex and count applied (a
// start below 1 is 1, a count below 0 is 0, both as RFC 7644 says), each
// resource projected.
func (q scimQuery) page(found []map[string]any) (int, any, error) {
	from := min(max(q.start, 1)-1, len(found))
	to := min(from+min(max(q.count, 0), scimMaxResults), len(found))
	items := []map[string]any{}
	for _, res := range found[from:to] {
		items = append(items, q.project(res))
	}
	return http.StatusOK, listResponse(items, len(found), from), nil
}

// project keeps what attributes names (with id and schemas, always
// returned) or drops what excludedAttributes names. A name may carry its
// schema's URN and may name a sub-attribute (name.givenName, emails.value).
func (q scimQuery) project(res map[string]any) map[string]any {
	if len(q.attributes) > 0 {
		out := map[string]any{}
		for k, v := range res {
			if k == "id" || k == "schemas" {
				out[k] = v
				continue
			}
			if subs, whole := wanted(q.attributes, k); whole {
				out[k] = v
			} else if len(subs) > 0 {
				if kept := keepSubs(v, subs); kept != nil {
					out[k] = kept
				}
			}
		}
		return out
	}
	for k := range res {
		if _, whole := wanted(q.excluded, k); whole && k != "id" && k != "schemas" {
			delete(res, k)
		}
	}
	return res
}

// wanted tells whether names ask for attribute k whole, or else which of
// its sub-attributes they ask for.
func wanted(names []string, k string) (subs []string, whole bool) {
	for _, n := range names {
		if i := strings.LastIndex(n, ":"); i >= 0 {
			n = n[i+1:]
		}
		top, sub, dotted := strings.Cut(n, ".")
		if !strings.EqualFold(top, k) {
			continue
		}
		if !dotted {
			return nil, true
		}
		subs = append(subs, sub)
	}
	return subs, false
}

// keepSubs keeps the named sub-attributes of a complex value or of each
// value of a multi-valued one.
func keepSubs(v any, subs []string) any {
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, x := range m {
			if slices.ContainsFunc(subs, func(s string) bool { return strings.EqualFold(s, k) }) {
				out[k] = x
			}
		}
		return out
	}
	switch x := v.(type) {
	case map[string]any:
		return pick(x)
	case []map[string]any:
		out := []map[string]any{}
		for _, m := range x {
			out = append(out, pick(m))
		}
		return out
	case []any:
		out := []any{}
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, pick(m))
			}
		}
		return out
	}
	return nil
}

func (s *server) scimSearchUsers(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	q, err := searchQuery(body)
	if err != nil {
		return 0, nil, err
	}
	return s.searchUsers(r, a, org, q)
}

func (s *server) scimSearchGroups(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	q, err := searchQuery(body)
	if err != nil {
		return 0, nil, err
	}
	return s.searchGroups(r, a, org, q)
}

// scimSearch searches Users and Groups at once (POST /.search at the
// base): users first, then groups, one page over both. A filter names an
// attribute of either; a resource without that attribute does not match.
func (s *server) scimSearch(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
	q, err := searchQuery(body)
	if err != nil {
		return 0, nil, err
	}
	either := append(slices.Clone(userFilters), "displayName")
	users, err := s.findUsers(r, a, org, q.filter, either)
	if err != nil {
		return 0, nil, err
	}
	groups, err := s.findGroups(r, a, org, q.filter, either)
	if err != nil {
		return 0, nil, err
	}
	return q.page(append(users, groups...))
}
