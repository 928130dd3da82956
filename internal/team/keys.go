package team

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// KeyView is a secret key as clients see it: never the secret or its hash,
// except Secret in the answer to creation and rotation. Grants are all the
// key holds (Role and Scope repeat the first, for older clients); Owner is
// the member whose power bounds it.
type KeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       string     `json:"role,omitempty"`
	Scope      string     `json:"scope,omitempty"`
	Grants     []KeyGrant `json:"grants"`
	Owner      string     `json:"owner"`
	OwnerName  string     `json:"owner_name,omitempty"`  // in lists: the owner's name and email, for people
	OwnerEmail string     `json:"owner_email,omitempty"` // who read names, not ids
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Expired says the key has passed its expiry (set in lists): it
	// authenticates no more and stays listed until it is revoked.
	Expired bool   `json:"expired"`
	Secret  string `json:"secret,omitempty"`
}

// KeyGrant is one role a key holds at one scope.
type KeyGrant struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Scope string `json:"scope"`
}

func keyView(k domain.KeyRecord, gs []domain.Grant) KeyView {
	v := KeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Owner: k.Owner, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC(),
		LastUsedAt: timePtr(k.LastUsedAt), ExpiresAt: timePtr(k.ExpiresAt), RevokedAt: timePtr(k.RevokedAt), Grants: []KeyGrant{}}
	for _, g := range gs {
		v.Grants = append(v.Grants, KeyGrant{ID: g.ID, Role: g.Role, Scope: g.Scope.String()})
	}
	if len(gs) > 0 {
		v.Role, v.Scope = gs[0].Role, gs[0].Scope.String()
	}
	return v
}

// KeyRequest creates a key holding one role at one scope.
type KeyRequest struct {
	Name      string
	Role      string
	Scope     string
	ExpiresAt time.Time
}

// CreateKey: the key never holds more than its creator holds at that
// moment, and its owner is its creator (see the policy).
func (s *Service) CreateKey(ctx context.Context, a Actor, org string, req KeyRequest) (KeyView, int64, error) {
	o, sch, err := s.org(a, org)
	if err != nil {
		return KeyView{}, 0, err
	}
	if err := s.authorize(o, sch, a, ActKeyCreate, nil); err != nil {
		return KeyView{}, 0, err
	}
	if err := validName("key name", req.Name); err != nil {
		return KeyView{}, 0, err
	}
	if req.Scope == "" {
		req.Scope = "org"
	}
	sc, err := domain.ParseScope(req.Scope)
	if err != nil {
		return KeyView{}, 0, fault.Wrap(fault.Unprocessable, err)
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(s.now()) {
		return KeyView{}, 0, fault.E(fault.Unprocessable, "the expiry date is in the past")
	}
	if err := s.scopeExists(o, sc); err != nil {
		return KeyView{}, 0, err
	}
	secret, prefix, hash := credential.NewKey()
	now := s.now()
	k := domain.KeyRecord{Org: org, ID: credential.NewID("k_"), Name: req.Name, Prefix: prefix, Hash: hash,
		CreatedBy: a.Subject.String(), Owner: s.ownerFor(o, a), CreatedAt: now, ExpiresAt: req.ExpiresAt.UTC()}
	g := domain.Grant{Org: org, ID: credential.NewID("gr_"), Subject: domain.KeySubject(k.ID), Role: req.Role, Scope: sc,
		CreatedBy: a.Subject.String(), CreatedAt: now}
	if err := s.authorize(o, sch, a, ActKeyCreate, &Target{Key: []domain.Grant{g}}); err != nil {
		return KeyView{}, 0, err
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := s.checkKeyQuota(tx, org); err != nil {
			return nil, err
		}
		if err := tx.PutKey(k); err != nil {
			return nil, err
		}
		if err := tx.PutGrant(g); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActKeyCreate), target: "key:" + k.ID, after: keyView(k, []domain.Grant{g}),
			changes: []domain.Change{{Op: domain.OpPutKey, Key: keyChange(k)}, {Op: domain.OpPutGrant, Grant: &g}}}, nil
	})
	if err != nil {
		return KeyView{}, 0, err
	}
	v := keyView(k, []domain.Grant{g})
	v.Secret = secret
	return v, rev, nil
}

// KeyQuery pages ListKeys, of every key or of those in one state.
type KeyQuery struct {
	State  KeyState
	Owner  string // only the keys this member owns
	Search string // only the keys whose name or prefix contains it, in any case
	After  string // the next_page_token of the previous page
	Limit  int
}

// KeyState selects keys by whether they were revoked or have expired.
type KeyState = store.KeyState

const (
	AnyKey       = store.AnyKey
	UnrevokedKey = store.UnrevokedKey
	RevokedKey   = store.RevokedKey
	LiveKey      = store.LiveKey    // neither revoked nor expired
	ExpiredKey   = store.ExpiredKey // expired, not revoked
)

// ListKeys pages the keys, each with its owner and all its grants.
func (s *Service) ListKeys(ctx context.Context, a Actor, org string, q KeyQuery) (Page[KeyView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[KeyView]{}, err
	}
	if err := s.authorize(o, sc, a, ActKeyList, nil); err != nil {
		return Page[KeyView]{}, err
	}
	page := Page[KeyView]{Items: []KeyView{}}
	err = s.view(ctx, func(r store.Reader) error {
		if q.After != "" {
			if _, err := r.GetKey(org, q.After); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fault.E(fault.Invalid, "invalid page_token")
				}
				return err
			}
		}
		f := store.KeyFilter{State: q.State, At: s.now(), Owner: q.Owner, Search: strings.TrimSpace(q.Search)}
		keys, next, err := r.ListKeys(org, f, q.After, clampLimit(q.Limit))
		if err != nil {
			return err
		}
		page.Next = next
		if page.Items, err = keyViews(r, org, keys); err != nil {
			return err
		}
		now := s.now()
		for i, k := range keys {
			page.Items[i].Expired = !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
		}
		return nameOwners(r, page.Items)
	})
	return page, err
}

// nameOwners puts each key's owner's name and email on it, read once per
// owner; an owner whose account is gone keeps only the id.
func nameOwners(r store.UserReader, keys []KeyView) error {
	seen := map[string]domain.UserRecord{}
	for i := range keys {
		id := keys[i].Owner
		if id == "" {
			continue
		}
		u, ok := seen[id]
		if !ok {
			var err error
			if u, err = r.GetUser(id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			seen[id] = u
		}
		keys[i].OwnerName, keys[i].OwnerEmail = u.Name, u.Email
	}
	return nil
}

// KeyOwner is a member who owns keys, for a filter.
type KeyOwner struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// KeyOwners lists everyone who owns one of the org's keys, revoked ones
// included, by name; it needs what listing keys needs.
func (s *Service) KeyOwners(ctx context.Context, a Actor, org string) ([]KeyOwner, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActKeyList, nil); err != nil {
		return nil, err
	}
	out := []KeyOwner{}
	err = s.view(ctx, func(r store.Reader) error {
		ids, err := r.KeyOwners(org)
		if err != nil {
			return err
		}
		for _, id := range ids {
			u, err := r.GetUser(id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			out = append(out, KeyOwner{UserID: id, Name: u.Name, Email: u.Email})
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y KeyOwner) int {
		return strings.Compare(strings.ToLower(x.Name+" "+x.Email), strings.ToLower(y.Name+" "+y.Email))
	})
	return out, err
}

// keyViews reads each key's grants.
func keyViews(r store.GrantReader, org string, keys []domain.KeyRecord) ([]KeyView, error) {
	out := make([]KeyView, 0, len(keys))
	for _, k := range keys {
		gs, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.KeySubject(k.ID)}, "", 0)
		if err != nil {
			return nil, err
		}
		out = append(out, keyView(k, gs))
	}
	return out, nil
}

// RotateKey issues a new secret; the old one keeps working for overlap.
// The new secret is the key's power, so the rotator must cover it.
func (s *Service) RotateKey(ctx context.Context, a Actor, org, id string, overlap time.Duration) (KeyView, int64, error) {
	if overlap < 0 || overlap > 30*24*time.Hour {
		return KeyView{}, 0, fault.E(fault.Unprocessable, "the overlap must be between none and 30 days (2592000 seconds)")
	}
	secret, prefix, hash := credential.NewKey()
	var out KeyView
	rev, err := s.editKey(ctx, a, org, id, ActKeyRotate, func(k *domain.KeyRecord, _ *Target) error {
		k.PrevHash, k.PrevUntil = k.Hash, s.now().Add(overlap)
		k.Hash, k.Prefix = hash, prefix
		return nil
	}, &out)
	out.Secret = secret
	return out, rev, err
}

// RevokeKey: the next request with the key gets 401.
func (s *Service) RevokeKey(ctx context.Context, a Actor, org, id string) (int64, error) {
	return s.editKey(ctx, a, org, id, ActKeyRevoke, func(k *domain.KeyRecord, _ *Target) error {
		k.RevokedAt = s.now()
		k.PrevHash, k.PrevUntil = nil, time.Time{}
		return nil
	}, nil)
}

// TransferKey hands a key to another member, who must cover it; its
// secret does not change (the holder of the secret is whoever has it).
func (s *Service) TransferKey(ctx context.Context, a Actor, org, id, to string) (KeyView, int64, error) {
	var out KeyView
	rev, err := s.editKey(ctx, a, org, id, ActKeyTransfer, func(k *domain.KeyRecord, t *Target) error {
		if k.Owner == to {
			return fault.E(fault.Conflict, "key %s is already owned by %s", id, to)
		}
		k.Owner = to
		return nil
	}, &out, to)
	return out, rev, err
}

func (s *Service) editKey(ctx context.Context, a Actor, org, id string, act Action, edit func(*domain.KeyRecord, *Target) error, out *KeyView, to ...string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActKeyList, nil); err != nil {
		return 0, err
	}
	var k domain.KeyRecord
	var gs []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		if k, err = r.GetKey(org, id); err != nil {
			return notFound("key", id)
		}
		gs, _, err = r.ListGrants(org, store.GrantFilter{Subject: domain.KeySubject(id)}, "", 0)
		return err
	}); err != nil {
		return 0, err
	}
	t := &Target{Key: gs, Owner: k.Owner}
	if len(to) > 0 {
		t.To = to[0]
	}
	if err := s.authorize(o, sc, a, act, t); err != nil {
		return 0, err
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		k, err := tx.GetKey(org, id)
		if err != nil {
			return nil, notFound("key", id)
		}
		if !k.RevokedAt.IsZero() {
			return nil, fault.E(fault.Conflict, "key %s is revoked", id)
		}
		// The grants judged above must be the key's grants now.
		now, _, err := tx.ListGrants(org, store.GrantFilter{Subject: domain.KeySubject(id)}, "", 0)
		if err != nil {
			return nil, err
		}
		if len(now) != len(gs) {
			return nil, fault.E(fault.Conflict, "the grants of key %s changed meanwhile; retry", id)
		}
		before := keyView(k, gs)
		if err := edit(&k, t); err != nil {
			return nil, err
		}
		if err := tx.PutKey(k); err != nil {
			return nil, err
		}
		op := domain.OpPutKey
		if !k.RevokedAt.IsZero() {
			op = domain.OpDeleteKey
		}
		if out != nil {
			*out = keyView(k, gs)
		}
		return &change{org: org, action: string(act), target: "key:" + id, before: before, after: keyView(k, gs),
			changes: []domain.Change{{Op: op, Key: keyChange(k)}}}, nil
	})
	// Drop cached lookups at once, whatever the outcome: the next request
	// reads the key afresh.
	s.keys.forget(org, id)
	return rev, err
}

// keyChange is what the engine and the changelog learn of a key: whether
// and until when it is live and whose power bounds it, never its hashes.
func keyChange(k domain.KeyRecord) *domain.KeyRecord {
	return &domain.KeyRecord{Org: k.Org, ID: k.ID, Owner: k.Owner, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}

// ownerFor is the owner of a key the actor makes: the actor itself, or for
// a key making a key, that key's owner, so power never outlives a person.
func (s *Service) ownerFor(o *authz.Org, a Actor) string {
	if a.IsKey() {
		owner, _ := o.KeyOwner(a.Subject.ID)
		return owner
	}
	return a.UserID()
}
