package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// print writes v as indented JSON with -o json, else calls table.
func (a *app) print(v any, table func(t *tw)) error {
	if a.output == "json" {
		return writeJSON(a.stdout, v)
	}
	t := newTW(a.stdout)
	table(t)
	return t.flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// tw is an aligned table.
type tw struct {
	w *tabwriter.Writer
}

func newTW(w io.Writer) *tw { return &tw{w: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)} }

// row writes one row; empty cells print as "-".
func (t *tw) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		c = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		if i > 0 {
			fmt.Fprint(t.w, "\t")
		}
		fmt.Fprint(t.w, c)
	}
	fmt.Fprintln(t.w)
}

// kv writes "key:  value" lines.
func (t *tw) kv(key, value string) { t.row(key+":", value) }

func (t *tw) flush() error { return t.w.Flush() }

func ts(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func tsv(t time.Time) string { return ts(&t) }

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func i64(n int64) string { return fmt.Sprint(n) }

func joinSorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}

func attrs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}
