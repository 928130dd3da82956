package store

// AliasReader reads member aliases: the external ids (an IdP subject, an
// email, a user name) a member is known by, unique in an organization.
type AliasReader interface {
	// ListAliases returns a member's aliases in byte order; none is an
	// empty list, whether or not the member exists.
	ListAliases(org, userID string) ([]string, error)
	// ResolveAlias returns the user id of the member alias names, or
	// ErrNotFound.
	ResolveAlias(org, alias string) (string, error)
}

// AliasWriter writes member aliases.
type AliasWriter interface {
	// PutAlias gives a member an alias: ErrConflict when the alias already
	// names a member (the same one included, so callers check first for an
	// idempotent put), ErrNotFound when there is no such member.
	PutAlias(org, userID, alias string) error
	// DeleteAlias removes one alias of a member, ErrNotFound if she has no
	// such alias.
	DeleteAlias(org, userID, alias string) error
}
