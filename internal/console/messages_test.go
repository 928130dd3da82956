package console

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

// The service's refusals as a person reads them: field names in words, no
// API paths, the scheme's words for permissions and roles.
func TestPlainWords(t *testing.T) {
	vi, _ := scheme.Get("vi")
	lb, _ := scheme.Get("labelbox")
	for _, c := range []struct {
		sc       *scheme.Scheme
		in, want string
	}{
		{vi, "seat_limit 3 is below the 4 seats in use (members and pending invitations)",
			"The seat limit 3 is below the 4 seats in use (members and pending invitations)."},
		{vi, "expires_at is in the past", "The expiry date is in the past."},
		{vi, "the expiry date is in the past", "The expiry date is in the past."},
		{vi, "grant dataset.editor at dataset:cats: expires_at is in the past",
			"Grant Dataset Editor at dataset:cats: the expiry date is in the past."},
		{vi, "not allowed to grant: Ada Admin lacks members.manage at dataset:cats",
			"You may not give this access: Ada Admin lacks the permission to invite, remove, change roles and access of members at dataset:cats."},
		{vi, "not allowed to grant: Ada Admin lacks dataset.delete at org",
			"You may not give this access: Ada Admin lacks the permission to delete the dataset across the organization."},
		{vi, "invalid grant: role dataset.owner cannot be bound at org",
			"This access cannot be given: the role Dataset Owner cannot be bound across the organization."},
		{vi, "listing resources needs audit.view (or a type and its create permission); use lookup/resources for what you can act on",
			"Listing resources needs the permission to read the audit log and access reports (or a type and its create permission)."},
		{vi, "Ada Admin lacks permission billing.view on the organization",
			"Ada Admin lacks the permission to see plan, seats, billing contact across the organization."},
		{vi, "invalid page_token", "This page link is out of date; start again from the first page."},
		{vi, "overlap_seconds: want 0 to 2592000", "The overlap must be 0 to 2592000."},
		{vi, `expiry "soon": want a date such as 2026-12-31`, `The expiry "soon" must be a date such as 2026-12-31.`},
		{vi, "key name: want 1 to 200 characters", "The key name must be 1 to 200 characters."},
		{vi, "role admin is bound at org scope; an invitation's role is an org role",
			"The role Admin is bound at the organization; an invitation's role is an org role."},
		{vi, "quota reached: 100 of 100 live keys (the server's --max-keys raises it)",
			"The limit of 100 live keys is reached; the server's operator can raise it."},
		{lb, "not allowed to grant: Lee lacks project.members.manage at project:retail",
			"You may not give this access: Lee lacks the permission to add/modify members on a project at project:retail."},
		// Nothing to map: the sentence stays as the service said it, and a
		// sentence that opens with an email is not capitalised.
		{vi, "ada@acme.test is already a member", "ada@acme.test is already a member."}, // an email keeps its case
		{nil, "expires_at is in the past", "The expiry date is in the past."},
	} {
		if got := sentence(plainWords(c.in, c.sc)); got != c.want {
			t.Errorf("%q\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
