package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"path"
	"time"
)

// htmxVersion is the version of static/htmx.min.js (see static/NOTICE).
const htmxVersion = "2.0.11"

//go:embed static
var staticFS embed.FS

type asset struct {
	body  []byte
	ctype string
	hash  string
}

// assets are the console's embedded files, served with a content hash in
// their URL so they can be cached for long.
type assets struct {
	files   map[string]asset
	started time.Time
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}, started: time.Now()}
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		a.files[e.Name()] = asset{body: b, ctype: ct, hash: hex.EncodeToString(sum[:6])}
	}
	return a, nil
}

func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + f.hash
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", a.started, bytes.NewReader(f.body))
}

// icons are the console's few pictures, drawn as 24×24 stroked paths so they
// take the text colour and need no request of their own. Each stands beside
// a text label, so they are hidden from screen readers.
var icons = map[string]string{
	"overview":  `<path d="M4 13h6V4H4zM14 20h6v-9h-6zM4 20h6v-3H4zM14 7h6V4h-6z"/>`,
	"general":   `<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/>`,
	"access":    `<rect x="4" y="10" width="16" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3M12 14v3"/>`,
	"members":   `<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>`,
	"teams":     `<circle cx="9" cy="8" r="3.5"/><circle cx="17" cy="9" r="2.5"/><path d="M2 20c0-3.5 3-5.5 7-5.5s7 2 7 5.5M16 14.5c3 0 6 1.5 6 4.5"/>`,
	"groups":    `<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M6 16c.5-2 1.7-3 3-3s2.5 1 3 3M14 9h4M14 13h4"/>`,
	"roles":     `<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/><path d="M9 12l2 2 4-4"/>`,
	"resources": `<path d="M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>`,
	"keys":      `<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9M17 6l3 3M15 8l2 2"/>`,
	"billing":   `<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M2 10h20M6 15h4"/>`,
	"usage":     `<path d="M4 20V10M10 20V4M16 20v-7M22 20H2"/>`,
	"requests":  `<path d="M4 4h16v12H8l-4 4z"/><path d="M12 7v4M12 13.5h.01"/>`,
	"audit":     `<path d="M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01"/>`,
	"plus":      `<path d="M12 5v14M5 12h14"/>`,
	"close":     `<path d="M6 6l12 12M18 6L6 18"/>`,
	"menu":      `<path d="M4 7h16M4 12h16M4 17h16"/>`,
	"trash":     `<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>`,
	"user":      `<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>`,
	"search":    `<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5"/>`,
	"dot":       `<circle cx="12" cy="12" r="3"/>`,
}

// icon is the template func: an unknown name draws a dot rather than
// failing a page over a picture.
func icon(name string) template.HTML {
	body, ok := icons[name]
	if !ok {
		body = icons["dot"]
	}
	return template.HTML(`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">` + body + `</svg>`)
}
