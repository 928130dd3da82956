package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
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
	filter       string
	view         scimView
	start, count int // start is 1-based
}

// scimView is which attributes an answer shows: those attributes names
// (with id and schemas, always returned), else all but those excluded
// names.
type scimView struct{ attributes, excluded []attrName }

// scimMaxAttributes bounds the names a request may list: each is matched
// against every attribute of every resource of the page.
const scimMaxAttributes = 100

// attrName is one name of attributes or excludedAttributes, read once:
// [urn:schema:]attr[.sub] (RFC 7644 §3.10), or an extension's URN whole,
// or an extension's URN and one of its attributes.
type attrName struct {
	full     string // lower case, as sent
	foreign  bool   // prefixed with a URN that is no core schema
	top, sub string
}

func newView(attributes, excluded []string) (scimView, error) {
	var v scimView
	var err error
	if v.attributes, err = attrNames("attributes", attributes); err != nil {
		return v, err
	}
	v.excluded, err = attrNames("excludedAttributes", excluded)
	return v, err
}

func attrNames(param string, list []string) ([]attrName, error) {
	var out []attrName
	for _, n := range list {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if len(out) == scimMaxAttributes {
			return nil, scimBad("invalidValue", "%s may name at most %d attributes", param, scimMaxAttributes)
		}
		a := attrName{full: strings.ToLower(n)}
		if strings.HasPrefix(a.full, "urn:") {
			i := strings.LastIndex(n, ":")
			schema := a.full[:i]
			a.foreign = schema != strings.ToLower(scimUserSchema) && schema != strings.ToLower(scimGroupSchema)
			n = n[i+1:]
		}
		a.top, a.sub, _ = strings.Cut(n, ".")
		out = append(out, a)
	}
	return out, nil
}

func urlQuery(r *http.Request) (scimQuery, error) {
	v := r.URL.Query()
	q := scimQuery{filter: v.Get("filter"), start: 1, count: 100}
	var err error
	if q.view, err = urlView(r); err != nil {
		return q, err
	}
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

// urlView is the URL's attributes and excludedAttributes, which every
// answer with a resource honours (RFC 7644 §3.9), writes included.
func urlView(r *http.Request) (scimView, error) {
	v := r.URL.Query()
	return newView(strings.Split(v.Get("attributes"), ","), strings.Split(v.Get("excludedAttributes"), ","))
}

// answer is a resource as the URL asks to see it (scimAuth has refused a
// view it cannot show before any write).
func answer(r *http.Request, status int, res map[string]any) (int, any, error) {
	v, err := urlView(r)
	if err != nil {
		return 0, nil, err
	}
	return status, v.project(res), nil
}

// searchQuery reads a SearchRequest, the body of POST .search.
func searchQuery(body []byte) (scimQuery, error) {
	var in scimSearchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		return scimQuery{}, scimBad("invalidSyntax", "a search is a SearchRequest: {\"schemas\":[%q], \"filter\", \"attributes\", \"excludedAttributes\", \"startIndex\", \"count\"}", scimSearchSchema)
	}
	if _, err := dec.Token(); err != io.EOF {
		return scimQuery{}, scimBad("invalidSyntax", "trailing data after the SearchRequest")
	}
	if !slices.Contains(in.Schemas, scimSearchSchema) {
		return scimQuery{}, scimBad("invalidSyntax", "a search's schemas must name %s", scimSearchSchema)
	}
	if in.SortBy != "" {
		return scimQuery{}, scimBad("invalidValue", "sorting is not supported (the service provider configuration says so)")
	}
	q := scimQuery{filter: in.Filter, start: 1, count: 100}
	var err error
	if q.view, err = newView(in.Attributes, in.ExcludedAttributes); err != nil {
		return q, err
	}
	if in.StartIndex != nil {
		q.start = *in.StartIndex
	}
	if in.Count != nil {
		q.count = *in.Count
	}
	return q, nil
}

// page is the list response of found: startIndex and count applied (a
// start below 1 is 1, a count below 0 is 0, both as RFC 7644 says), each
// resource projected.
func (q scimQuery) page(found []map[string]any) (int, any, error) {
	from := min(max(q.start, 1)-1, len(found))
	to := min(from+min(max(q.count, 0), scimMaxResults), len(found))
	items := []map[string]any{}
	for _, res := range found[from:to] {
		items = append(items, q.view.project(res))
	}
	return http.StatusOK, listResponse(items, len(found), from), nil
}

// project keeps what attributes names (with id and schemas, always
// returned) or drops what excludedAttributes names. A name may carry its
// schema's URN and may name a sub-attribute (name.givenName, emails.value);
// an extension is named by its URN. schemas lists what is still shown.
func (v scimView) project(res map[string]any) map[string]any {
	if len(v.attributes) == 0 && len(v.excluded) == 0 {
		return res
	}
	out := map[string]any{}
	for k, x := range res {
		switch {
		case k == "id" || k == "schemas":
			out[k] = x
		case len(v.attributes) > 0:
			if subs, whole := wanted(v.attributes, k); whole {
				out[k] = x
			} else if len(subs) > 0 {
				if kept := keepSubs(x, subs); kept != nil {
					out[k] = kept
				}
			}
		default:
			if _, whole := wanted(v.excluded, k); !whole {
				out[k] = x
			}
		}
	}
	if list, ok := out["schemas"].([]string); ok {
		kept := []string{}
		for _, s := range list {
			_, ext := res[s]
			if _, shown := out[s]; !ext || shown {
				kept = append(kept, s)
			}
		}
		out["schemas"] = kept
	}
	return out
}

// wanted tells whether names ask for attribute k whole, or else which of
// its sub-attributes they ask for. An extension's key is its URN.
func wanted(names []attrName, k string) (subs []string, whole bool) {
	lk := strings.ToLower(k)
	ext := strings.HasPrefix(lk, "urn:")
	for _, n := range names {
		switch {
		case ext && n.full == lk:
			return nil, true
		case ext && strings.HasPrefix(n.full, lk+":"):
			subs = append(subs, n.full[len(lk)+1:])
		case !ext && !n.foreign && strings.EqualFold(n.top, k):
			if n.sub == "" {
				return nil, true
			}
			subs = append(subs, n.sub)
		}
	}
	return subs, false
}

// keepSubs keeps the named sub-attributes of a complex value or of each
// value of a multi-valued one; nil when none of them is there.
func keepSubs(v any, subs []string) any {
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, x := range m {
			if slices.ContainsFunc(subs, func(s string) bool { return strings.EqualFold(s, k) }) {
				out[k] = x
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if m := pick(x); m != nil {
			return m
		}
		return nil
	case []map[string]any:
		for _, m := range x {
			if kept := pick(m); kept != nil {
				out = append(out, kept)
			}
		}
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				if kept := pick(m); kept != nil {
					out = append(out, kept)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// scimFinder renders one kind's resources that match a filter naming one
// of allowed.
type scimFinder func(r *http.Request, a team.Actor, org, filter string, allowed []string) ([]map[string]any, error)

// scimLister lists one kind, asked by a GET's query string or (fromBody)
// by a POST .search's SearchRequest: the same filter, view and paging.
func (s *server) scimLister(find scimFinder, filters []string, fromBody bool) scimHandler {
	return func(r *http.Request, a team.Actor, org string, body []byte) (int, any, error) {
		var q scimQuery
		var err error
		if fromBody {
			q, err = searchQuery(body)
		} else {
			q, err = urlQuery(r)
		}
		if err != nil {
			return 0, nil, err
		}
		found, err := find(r, a, org, q.filter, filters)
		if err != nil {
			return 0, nil, err
		}
		return q.page(found)
	}
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
