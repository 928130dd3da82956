package httpapi

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/team"
)

// SCIM discovery (RFC 7644 §4): what this service provider supports, its
// resource types and their schemas. They answer only to the org's SCIM
// tokens, like the resources: nothing tells an anonymous caller an org
// exists.

func scimBase(r *http.Request, org string) string {
	return strings.TrimSuffix(scimLocation(r, org, "", ""), "/")
}

func (s *server) scimConfig(r *http.Request, _ team.Actor, org string, _ []byte) (int, any, error) {
	return http.StatusOK, map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/gatehouse/gatehouse/blob/main/docs/scim.md",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": scimMaxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "OAuth Bearer Token",
			"description": "A SCIM token of the organization (gsc_…), made with POST /v1/orgs/{org}/scim-tokens", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": scimBase(r, org) + "/ServiceProviderConfig"},
	}, nil
}

func scimResourceTypeList(r *http.Request, org string) []map[string]any {
	base := scimBase(r, org)
	return []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User",
			"endpoint": "/Users", "description": "A member of the organization", "schema": scimUserSchema, "schemaExtensions": []any{},
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group",
			"endpoint": "/Groups", "description": "A group of the organization", "schema": scimGroupSchema, "schemaExtensions": []any{},
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"}},
	}
}

func (s *server) scimResourceTypes(r *http.Request, _ team.Actor, org string, _ []byte) (int, any, error) {
	l := scimResourceTypeList(r, org)
	return http.StatusOK, listResponse(l, len(l), 0), nil
}

func (s *server) scimResourceType(r *http.Request, _ team.Actor, org string, _ []byte) (int, any, error) {
	for _, t := range scimResourceTypeList(r, org) {
		if t["id"] == r.PathValue("id") {
			return http.StatusOK, t, nil
		}
	}
	return 0, nil, errNoSuchResource
}

func attr(name, typ, mutability string, required bool, more ...map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": required, "caseExact": false,
		"mutability": mutability, "returned": "default", "uniqueness": "none", "description": name}
	for _, m := range more {
		for k, v := range m {
			a[k] = v
		}
	}
	return a
}

func scimSchemaList(r *http.Request, org string) []map[string]any {
	base := scimBase(r, org)
	str := func(n string) map[string]any { return attr(n, "string", "readWrite", false) }
	multi := map[string]any{"multiValued": true}
	return []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": scimUserSchema, "name": "User", "description": "A member of the organization",
			"attributes": []map[string]any{
				// userName is the account's email, shared with the person's
				// other organizations: set once, when provisioned.
				attr("userName", "string", "immutable", true, map[string]any{"uniqueness": "server"}),
				attr("name", "complex", "readWrite", false, map[string]any{"subAttributes": []map[string]any{
					str("formatted"), str("familyName"), str("givenName"), str("middleName"), str("honorificPrefix"), str("honorificSuffix")}}),
				str("displayName"), str("nickName"), str("title"), str("userType"), str("preferredLanguage"), str("locale"), str("timezone"),
				// A membership is live or suspended, never neither, so active
				// cannot be unassigned; a create without it is live.
				attr("active", "boolean", "readWrite", true),
				// A member is known by an email: emails holds it, unless
				// userName is one.
				attr("emails", "complex", "readWrite", true, multi, map[string]any{"subAttributes": []map[string]any{
					attr("value", "string", "readWrite", true), str("display"), str("type"), attr("primary", "boolean", "readWrite", false)}}),
				attr("groups", "complex", "readOnly", false, multi, map[string]any{"subAttributes": []map[string]any{
					attr("value", "string", "readOnly", false), attr("display", "string", "readOnly", false),
					attr("$ref", "reference", "readOnly", false, map[string]any{"referenceTypes": []string{"Group"}})}}),
			},
			"meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + scimUserSchema}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": scimGroupSchema, "name": "Group", "description": "A group of the organization",
			"attributes": []map[string]any{
				attr("displayName", "string", "readWrite", true, map[string]any{"uniqueness": "server"}),
				attr("members", "complex", "readWrite", false, multi, map[string]any{"subAttributes": []map[string]any{
					attr("value", "string", "immutable", false),
					attr("$ref", "reference", "immutable", false, map[string]any{"referenceTypes": []string{"User"}})}}),
			},
			"meta": map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + scimGroupSchema}},
	}
}

func (s *server) scimSchemas(r *http.Request, _ team.Actor, org string, _ []byte) (int, any, error) {
	l := scimSchemaList(r, org)
	return http.StatusOK, listResponse(l, len(l), 0), nil
}

func (s *server) scimSchema(r *http.Request, _ team.Actor, org string, _ []byte) (int, any, error) {
	for _, sc := range scimSchemaList(r, org) {
		if sc["id"] == r.PathValue("id") {
			return http.StatusOK, sc, nil
		}
	}
	return 0, nil, errNoSuchResource
}
