package httpapi

import (
	"strings"
)

// SCIM PATCH (RFC 7644 §3.5.2) as identity providers send it. A patch is
// applied to the resource as it stands and the result replaced whole, so
// PATCH and PUT are one path through the use cases. Okta sends
// {"op":"replace","value":{"active":false}}; Entra ID capitalises ops
// ("Replace"), sends booleans as "True"/"False" (scimBool reads them) and
// paths such as emails[type eq "work"].value or an enterprise extension's
// urn:…:enterprise:2.0:User:department.

type patchOp struct {
	Op    string
	Path  string
	Value any
}

func decodePatch(body []byte) ([]patchOp, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	list, ok := lookup(obj, "Operations").([]any)
	if !ok || len(list) == 0 {
		return nil, scimBad("invalidSyntax", "a PATCH needs Operations, a non-empty list")
	}
	ops := make([]patchOp, 0, len(list))
	for _, x := range list {
		m, _ := x.(map[string]any)
		op, _ := lookup(m, "op").(string)
		path, _ := lookup(m, "path").(string)
		o := patchOp{Op: strings.ToLower(strings.TrimSpace(op)), Path: strings.TrimSpace(path), Value: lookup(m, "value")}
		switch o.Op {
		case "add", "replace", "remove":
		default:
			return nil, scimBad("invalidSyntax", "op must be add, replace or remove, not %q", op)
		}
		if o.Op != "remove" && o.Value == nil {
			return nil, scimBad("invalidValue", "%s needs a value", o.Op)
		}
		ops = append(ops, o)
	}
	return ops, nil
}

// applyOp applies one operation to res in place.
func applyOp(res map[string]any, op patchOp) error {
	if op.Path == "" {
		if op.Op == "remove" {
			return scimBad("noTarget", "remove needs a path")
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return scimBad("invalidValue", "an operation without a path needs an object value")
		}
		for k, v := range obj {
			if err := applyPath(res, op.Op, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return applyPath(res, op.Op, op.Path, op.Value)
}

// key finds the key of res named name, whatever its case ("" if none).
func key(res map[string]any, name string) string {
	if _, ok := res[name]; ok {
		return name
	}
	for k := range res {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return ""
}

func applyPath(res map[string]any, op, path string, value any) error {
	// A schema URN before the attribute: the core schemas' is dropped, an
	// extension's names the object the attribute is in.
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndex(path, ":")
		urn, rest := path[:i], path[i+1:]
		if strings.EqualFold(urn, scimUserSchema) || strings.EqualFold(urn, scimGroupSchema) {
			path = rest
		} else if isSchemaURN(path) {
			// The whole extension: value is its object.
			setIn(res, op, path, value)
			return nil
		} else {
			k := key(res, urn)
			if k == "" {
				k = urn
			}
			ext, _ := res[k].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
			}
			if err := applyPath(ext, op, rest, value); err != nil {
				return err
			}
			res[k] = ext
			return nil
		}
	}
	attr, sub, filter := path, "", ""
	if i := strings.Index(path, "["); i >= 0 {
		j := strings.Index(path, "]")
		if j < i {
			return scimBad("invalidPath", "unbalanced brackets in %q", path)
		}
		attr, filter, sub = path[:i], path[i+1:j], strings.TrimPrefix(path[j+1:], ".")
	} else if i := strings.Index(path, "."); i >= 0 {
		attr, sub = path[:i], path[i+1:]
	}
	if attr == "" {
		return scimBad("invalidPath", "no attribute in %q", path)
	}
	k := key(res, attr)
	if k == "" {
		k = attr
	}
	if filter != "" {
		f, err := parseFilter(filter, filterAttr(filter))
		if err != nil || f == nil {
			return scimBad("invalidPath", "unsupported filter in %q", path)
		}
		list, _ := res[k].([]any)
		var out []any
		found := false
		for _, el := range list {
			m, _ := el.(map[string]any)
			if v, _ := lookup(m, f.attr).(string); m != nil && strings.EqualFold(v, f.value) {
				found = true
				if op == "remove" && sub == "" {
					continue
				}
				setIn(m, op, sub, value)
			}
			out = append(out, el)
		}
		if !found && op != "remove" {
			m := map[string]any{f.attr: f.value}
			setIn(m, op, sub, value)
			out = append(out, m)
		}
		if len(out) == 0 {
			delete(res, k)
		} else {
			res[k] = out
		}
		return nil
	}
	if sub != "" {
		m, _ := res[k].(map[string]any)
		if m == nil {
			if op == "remove" {
				return nil
			}
			m = map[string]any{}
		}
		setIn(m, op, sub, value)
		res[k] = m
		return nil
	}
	setIn(res, op, k, value)
	return nil
}

// setIn does op on m[name]: add appends to a list and merges an object,
// replace sets, remove deletes.
func setIn(m map[string]any, op, name string, value any) {
	if name == "" {
		if obj, ok := value.(map[string]any); ok && op != "remove" {
			for k, v := range obj {
				m[k] = v
			}
		}
		return
	}
	k := key(m, name)
	if k == "" {
		k = name
	}
	switch op {
	case "remove":
		delete(m, k)
	case "add":
		if cur, ok := m[k].([]any); ok {
			if more, ok := value.([]any); ok {
				m[k] = append(cur, more...)
				return
			}
		}
		if cur, ok := m[k].(map[string]any); ok {
			if more, ok := value.(map[string]any); ok {
				for x, v := range more {
					cur[x] = v
				}
				return
			}
		}
		m[k] = value
	default:
		m[k] = value
	}
}

// filterAttr is the attribute a value filter tests ("type" in type eq "work").
func filterAttr(f string) string {
	a, _, _ := strings.Cut(strings.TrimSpace(f), " ")
	return a
}

// isSchemaURN reports whether path is a whole extension schema's URN
// (urn:…:2.0:User), not an attribute in it.
func isSchemaURN(path string) bool {
	i := strings.LastIndex(path, ":")
	last := path[i+1:]
	return last == "User" || last == "Group"
}
