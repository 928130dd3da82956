package team

import (
	"context"
	"errors"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// maxAliasLen bounds an alias: IdP subjects and emails are well under it,
// and the decision endpoints look aliases up on every request.
const maxAliasLen = 255

// checkAlias refuses what cannot be an external id: empty, too long, not
// UTF-8, or holding control characters (which no IdP issues and which
// would make audit lines and URLs ambiguous). Aliases are compared
// exactly: an IdP's subject is case-sensitive.
func checkAlias(alias string) error {
	if alias == "" || len(alias) > maxAliasLen || !utf8.ValidString(alias) {
		return fault.E(fault.Invalid, "an alias is 1 to %d bytes of UTF-8", maxAliasLen)
	}
	for _, r := range alias {
		if unicode.IsControl(r) {
			return fault.E(fault.Invalid, "an alias has no control characters")
		}
	}
	return nil
}

// ListAliases returns the external ids a member is known by; it takes what
// seeing the member takes.
func (s *Service) ListAliases(ctx context.Context, a Actor, org, userID string) ([]string, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActAliasList, &Target{Member: userID}); err != nil {
		return nil, err
	}
	if _, ok := o.MemberRole(userID); !ok {
		return nil, notFound("member", userID)
	}
	var out []string
	err = s.view(ctx, func(r store.Reader) error {
		out, err = r.ListAliases(org, userID)
		return err
	})
	return out, err
}

// aliasTarget is the member an alias change speaks for, with all she
// holds: her org role and the grants reaching her. Who may not change
// aliases at all is refused first, so the answer says nothing of who is a
// member, and no store read is made for them.
func (s *Service) aliasTarget(ctx context.Context, a Actor, o *authz.Org, sc *scheme.Scheme, act Action, org, userID string) (*Target, error) {
	if err := s.authorize(o, sc, a, act, &Target{Member: userID}); err != nil {
		return nil, err
	}
	role, ok := o.MemberRole(userID)
	if !ok {
		return nil, notFound("member", userID)
	}
	t := &Target{Member: userID, Current: role}
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		t.Ends, err = s.grantsReaching(r, org, userID)
		return err
	})
	return t, err
}

// SetAlias gives a member an alias. Setting one she has already changes
// nothing (PUT is idempotent); one that names another member is a
// conflict, so an alias always resolves to one member.
func (s *Service) SetAlias(ctx context.Context, a Actor, org, userID, alias string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	t, err := s.aliasTarget(ctx, a, o, sc, ActAliasSet, org, userID)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActAliasSet, t); err != nil {
		return 0, err
	}
	if err := checkAlias(alias); err != nil {
		return 0, err
	}
	// A subject id is a user id before it is an alias: one naming a member
	// would never be read, and one naming a user of another org would be
	// read as someone else's the day she joins. The shape decides, not a
	// lookup, which would tell who exists on the server.
	if _, ok := o.MemberRole(alias); ok || credential.IsID("u_", alias) {
		return 0, fault.E(fault.Conflict, "alias %q has the shape of a user id, which a subject id is read as first", alias)
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		switch holder, err := tx.ResolveAlias(org, alias); {
		case err == nil && holder == userID:
			return nil, errNothingChanged
		case err == nil:
			return nil, fault.E(fault.Conflict, "alias %q already names another member", alias)
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		if err := tx.PutAlias(org, userID, alias); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActAliasSet), target: "user:" + userID,
			after:   map[string]any{"alias": alias},
			changes: []domain.Change{{Op: domain.OpPutAlias, Alias: &domain.Alias{Org: org, UserID: userID, Alias: alias}}}}, nil
	})
	if errors.Is(err, errNothingChanged) {
		return o.Revision(), nil
	}
	return rev, err
}

// DeleteAlias takes an alias away from a member; 404 when she has no such
// alias.
func (s *Service) DeleteAlias(ctx context.Context, a Actor, org, userID, alias string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	t, err := s.aliasTarget(ctx, a, o, sc, ActAliasDelete, org, userID)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActAliasDelete, t); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.DeleteAlias(org, userID, alias); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, notFound("alias", alias)
			}
			return nil, err
		}
		return &change{org: org, action: string(ActAliasDelete), target: "user:" + userID,
			before:  map[string]any{"alias": alias},
			changes: []domain.Change{{Op: domain.OpDeleteAlias, Alias: &domain.Alias{Org: org, UserID: userID, Alias: alias}}}}, nil
	})
}
