package console

import (
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

// The service words its refusals for the API's readers, who know its
// field names and paths. A person in the console reads the same refusal
// in plain words: field names as words, no API paths, permissions and
// roles as the scheme names them. The service's own wording is fixed at
// the source where the API reads better for it too; what is left over is
// mapped here.

type wording struct {
	re *regexp.Regexp
	to string
}

func w(re, to string) wording { return wording{regexp.MustCompile(re), to} }

// fieldWords are the API's field names as a sentence says them.
var fieldWords = map[string]string{
	"seat_limit": "the seat limit", "expires_at": "the expiry date", "expires_in_hours": "the invitation's lifetime",
	"overlap_seconds": "the overlap", "billing_email": "the billing email", "page_token": "the page link",
	"next_page_token": "the page link", "at_least_revision": "the revision asked for", "user_id": "the member",
	"scope_type": "the scope", "also_at": "the other scopes",
}

var fieldRE = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)

// wordings apply in order, before the field names.
var wordings = []wording{
	w(`^not allowed to grant: `, "you may not give this access: "),
	w(`^invalid grant: `, "this access cannot be given: "),
	w(`\binvalid page_token\b`, "this page link is out of date; start again from the first page"),
	w(`;? ?use lookup/resources for what you can act on`, ""),
	w(`\b(?:POST |GET )?(?:/v1/orgs/[^ ]+/)?lookup/(resources|subjects)\b`, "the access look-up"),
	w(`^quota reached: (\d+) of (\d+) (.+?) \(the server's --[a-z-]+ raises it\)$`,
		"the limit of $2 $3 is reached; the server's operator can raise it"),
	// "name: want 1 to 200 characters" reads "the name must be …".
	w(`^([a-z][a-z_ ]*?)( "[^"]*")?: want (.+)$`, "the $1$2 must be $3"),
	w(`\bat org scope\b`, "at the organization"),
	w(`\bat org\b`, "across the organization"),
	w(`\bon the organization\b`, "across the organization"),
}

// permRE finds permission and role ids: dotted or snake-case words.
var permRE = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b`)

// needRE finds a permission someone lacks or an action needs.
var needRE = regexp.MustCompile(`\b(lacks|needs)(?: permission)? ([a-z][a-z0-9]*(?:[._][a-z0-9]+)+)\b`)

// roleRE finds a role named by its id after the word "role".
var roleRE = regexp.MustCompile(`\brole ([a-z][a-z0-9_.]*)\b`)

// plainWords rewrites a refusal of the service for a person.
func plainWords(msg string, sc *scheme.Scheme) string {
	for _, x := range wordings {
		msg = x.re.ReplaceAllString(msg, x.to)
	}
	if sc != nil {
		msg = needRE.ReplaceAllStringFunc(msg, func(m string) string {
			g := needRE.FindStringSubmatch(m)
			if p, ok := sc.Permission(g[2]); ok && p.Description != "" {
				return g[1] + " the permission to " + p.Description
			}
			return m
		})
		msg = roleRE.ReplaceAllStringFunc(msg, func(m string) string {
			if r, ok := sc.Role(strings.TrimPrefix(m, "role ")); ok {
				return "the role " + r.Name
			}
			return m
		})
		msg = permRE.ReplaceAllStringFunc(msg, func(id string) string {
			if r, ok := sc.Role(id); ok {
				return r.Name
			}
			if p, ok := sc.Permission(id); ok && p.Description != "" {
				return "“" + p.Description + "”"
			}
			return id
		})
	}
	msg = fieldRE.ReplaceAllStringFunc(msg, func(f string) string {
		if words, ok := fieldWords[f]; ok {
			return words
		}
		return f
	})
	return strings.ReplaceAll(msg, "the the ", "the ")
}
