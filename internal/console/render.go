package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

//go:embed templates/*.html
var templateFS embed.FS

// htmxConfig is read by htmx from a meta tag (no inline script). Eval is
// off (the CSP forbids it anyway), indicator styles are not injected (the
// CSP forbids inline styles), history snapshots are not kept in
// localStorage (a page may show a secret once), and error responses are
// swapped in like any page so refusals and their reasons are shown.
const htmxConfig = `{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,` +
	`"historyCacheSize":0,"refreshOnHistoryMiss":true,"selfRequestsOnly":true,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[2345]..","swap":true}]}`

// renderer holds one template set per page, each a clone of the shared
// layout, partials and dialogs.
type renderer struct {
	base     *template.Template
	pages    map[string]*template.Template
	assetURL func(string) string
	now      func() time.Time // the service's clock, for "3 days ago"
}

func newRenderer() (*renderer, error) {
	r := &renderer{pages: map[string]*template.Template{}, now: time.Now}
	funcs := template.FuncMap{
		"asset":   func(name string) string { return r.assetURL(name) },
		"dialog":  r.dialog,
		"when":    when,
		"ago":     func(t any) string { return agoAt(r.now(), t) },
		"pretty":  prettyJSON,
		"plural":  plural,
		"join":    strings.Join,
		"percent": func(a, b int) int { return percent(a, b) },
		"inc":     func(n int) int { return n + 1 },
		"int":     func(n int64) int { return int(n) },
		"dict":    dict,
		"icon":    icon,
		"deref":   func(p *int) int { return *p },
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/dialogs*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "dialogs") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("console template %s: %w", f, err)
		}
		r.pages[name] = t
	}
	r.base = base
	return r, nil
}

// dialog renders a dialog template (from dialogs.html) into the page.
func (r *renderer) dialog(name string, v *view) (template.HTML, error) {
	var b bytes.Buffer
	if err := r.base.ExecuteTemplate(&b, name, v); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// render writes a whole page. Every page is a full document: htmx swaps
// its body in on boosted navigation, and without JavaScript it is simply
// the page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := h.pages.pages[page]
	if !ok {
		h.log.Error("console: unknown page", "page", page)
		h.plainError(w, r, http.StatusInternalServerError, "Internal error.")
		return
	}
	v.HtmxConfig = htmxConfig
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		h.log.Error("console: render", "page", page, "err", err)
		h.plainError(w, r, http.StatusInternalServerError, "Internal error.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "HX-Request, Cookie")
	if r.Header.Get("HX-Request") == "true" && r.Method == http.MethodGet {
		// After a redirect the browser's address bar shows this page.
		hd.Set("HX-Push-Url", r.URL.RequestURI())
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (h *handler) plainError(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// statusOf maps a service error to its HTTP status, as the API does.
func statusOf(err error) int { return fault.CodeOf(err).HTTPStatus() }

// message is what the user reads about a refusal: the service's reason, or
// for our own faults a line that sends them to the log.
func (h *handler) message(r *http.Request, err error) string {
	if fe, ok := fault.As(err); ok && fe.Code != fault.Internal {
		msg := fe.Error()
		// The service names the actor by subject; the person reads their name.
		if who, ok := r.Context().Value(whoKey{}).([2]string); ok && who[0] != "" {
			msg = strings.ReplaceAll(msg, who[0], who[1])
		}
		sc, _ := r.Context().Value(schemeKey{}).(*scheme.Scheme)
		return sentence(plainWords(msg, sc))
	}
	h.log.Error("console: internal error", "path", r.URL.Path, "err", err)
	return "Something went wrong on the server; the details are in its log."
}

// whoKey carries the logged-in subject and their name, for messages.
type whoKey struct{}

// schemeKey carries the org's scheme on its pages, whose words messages use.
type schemeKey struct{}

func sentence(s string) string {
	if s == "" {
		return s
	}
	// An email opens some sentences; it stays as the service normalised it.
	if first, _, _ := strings.Cut(s, " "); !strings.Contains(first, "@") {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func when(t any) string {
	switch v := t.(type) {
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	}
	return ""
}

// agoAt says how long before now (or how far ahead) t is, for tables.
func agoAt(now time.Time, t any) string {
	var tt time.Time
	switch v := t.(type) {
	case *time.Time:
		if v == nil {
			return "never"
		}
		tt = *v
	case time.Time:
		if v.IsZero() {
			return "never"
		}
		tt = v
	default:
		return ""
	}
	d := now.Sub(tt)
	switch {
	case d < -time.Minute:
		return "in " + span(-d)
	case d < time.Minute:
		return "just now"
	}
	return span(d) + " ago"
}

func span(d time.Duration) string {
	switch {
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int((d+30*time.Minute)/time.Hour), "hour")
	default:
		return plural(int((d+12*time.Hour)/(24*time.Hour)), "day")
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

func titleCase(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == ' ' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// dict builds a map for passing several values to a template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func percent(a, b int) int {
	if b <= 0 {
		return 0
	}
	return min(100, a*100/b)
}
