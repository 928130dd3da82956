package authz

import (
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Aliases are the external ids members are known by. They decide nothing,
// but AuthZEN callers name subjects by them on every request, so the index
// holds them and a subject resolves without a store read.

func (o *Org) putAlias(a *domain.Alias) error {
	if cur, ok := o.aliases[a.Alias]; ok {
		if cur == a.UserID {
			return nil
		}
		return fmt.Errorf("alias %q: names member %s, not %s", a.Alias, cur, a.UserID)
	}
	o.aliases[a.Alias] = a.UserID
	o.aliasesOf[a.UserID] = append(o.aliasesOf[a.UserID], a.Alias)
	return nil
}

func (o *Org) deleteAlias(a *domain.Alias) {
	if o.aliases[a.Alias] != a.UserID {
		return
	}
	delete(o.aliases, a.Alias)
	rest := slices.DeleteFunc(o.aliasesOf[a.UserID], func(s string) bool { return s == a.Alias })
	if len(rest) == 0 {
		delete(o.aliasesOf, a.UserID)
	} else {
		o.aliasesOf[a.UserID] = rest
	}
}

// dropAliases forgets a removed member's aliases, as the store's cascade
// deletes them with the membership.
func (o *Org) dropAliases(userID string) {
	for _, a := range o.aliasesOf[userID] {
		delete(o.aliases, a)
	}
	delete(o.aliasesOf, userID)
}

// ResolveUser is the user id a subject id names: the id itself when it is
// a member's, else the member one of her aliases names. A user id comes
// first: an alias may not be a member's id when it is set, and one that
// became a member's id since is never read.
func (o *Org) ResolveUser(id string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u, ok := o.findSubject(domain.UserSubject(id)); ok && o.subj[u].orgRole != noRole {
		return id, true
	}
	uid, ok := o.aliases[id]
	return uid, ok
}

// PrimaryAliases maps each member who has aliases to her primary one: the
// first given of those she still has.
func (o *Org) PrimaryAliases() map[string]string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make(map[string]string, len(o.aliasesOf))
	for u, as := range o.aliasesOf {
		out[u] = as[0]
	}
	return out
}
