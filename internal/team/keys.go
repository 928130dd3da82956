package team

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// KeyView is a secret key as clients see it: never the secret or its hash,
// except Secret in the answer to creation and rotation.
type KeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       string     `json:"role,omitempty"`
	Scope      string     `json:"scope,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Secret     string     `json:"secret,omitempty"`
}

func keyView(k domain.KeyRecord) KeyView {
	return KeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC(),
		LastUsedAt: timePtr(k.LastUsedAt), ExpiresAt: timePtr(k.ExpiresAt), RevokedAt: timePtr(k.RevokedAt)}
}

// KeyRequest creates a key holding one role at one scope.
type KeyRequest struct {
	Name      string
	Role      string
	Scope     string
	ExpiresAt time.Time
}

// CreateKey needs keys.manage; the key never holds more than its creator
// holds at that moment.
func (s *Service) CreateKey(ctx context.Context, a Actor, org string, req KeyRequest) (KeyView, int64, error) {
	o, sch, err := s.org(a, org)
	if err != nil {
		return KeyView{}, 0, err
	}
	if err := s.require(o, a, "keys.manage", ""); err != nil {
		return KeyView{}, 0, err
	}
	// A key holding the top role is one more holder of it: as for a grant
	// (rule 2), only a holder makes one, and where the top role is unique
	// (vi's Owner) nobody does; it changes hands only by transfer.
	if req.Role == sch.TopRole {
		if role, _ := o.MemberRole(a.UserID()); sch.UniqueTop || a.IsKey() || role != sch.TopRole {
			return KeyView{}, 0, fault.E(fault.Forbidden, "a secret key cannot hold the top role %s", sch.TopRole)
		}
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
		return KeyView{}, 0, fault.E(fault.Unprocessable, "expires_at is in the past")
	}
	if err := s.scopeExists(o, sc); err != nil {
		return KeyView{}, 0, err
	}
	if err := grantErr(o.Covers(a.Subject, req.Role, sc, s.now().UnixNano())); err != nil {
		return KeyView{}, 0, err
	}
	secret, prefix, hash := credential.NewKey()
	now := s.now()
	k := domain.KeyRecord{Org: org, ID: credential.NewID("k_"), Name: req.Name, Prefix: prefix, Hash: hash,
		CreatedBy: a.Subject.String(), Owner: s.ownerFor(o, a), CreatedAt: now, ExpiresAt: req.ExpiresAt.UTC()}
	g := domain.Grant{Org: org, ID: credential.NewID("gr_"), Subject: domain.KeySubject(k.ID), Role: req.Role, Scope: sc,
		CreatedBy: a.Subject.String(), CreatedAt: now}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.PutKey(k); err != nil {
			return nil, err
		}
		if err := tx.PutGrant(g); err != nil {
			return nil, err
		}
		v := keyView(k)
		v.Role, v.Scope = g.Role, g.Scope.String()
		return &change{org: org, action: "key.create", target: "key:" + k.ID, after: v,
			changes: []domain.Change{{Op: domain.OpPutKey, Key: keyChange(k)}, {Op: domain.OpPutGrant, Grant: &g}}}, nil
	})
	if err != nil {
		return KeyView{}, 0, err
	}
	v := keyView(k)
	v.Role, v.Scope, v.Secret = g.Role, g.Scope.String(), secret
	return v, rev, nil
}

// ListKeys needs keys.manage.
func (s *Service) ListKeys(ctx context.Context, a Actor, org string) ([]KeyView, error) {
	o, _, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.require(o, a, "keys.manage", ""); err != nil {
		return nil, err
	}
	out := []KeyView{}
	err = s.view(ctx, func(r store.Reader) error {
		keys, err := r.ListKeys(org)
		if err != nil {
			return err
		}
		for _, k := range keys {
			v := keyView(k)
			gs, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.KeySubject(k.ID)}, "", 1)
			if err != nil {
				return err
			}
			if len(gs) > 0 {
				v.Role, v.Scope = gs[0].Role, gs[0].Scope.String()
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// RotateKey issues a new secret; the old one keeps working for overlap.
func (s *Service) RotateKey(ctx context.Context, a Actor, org, id string, overlap time.Duration) (KeyView, int64, error) {
	if overlap < 0 || overlap > 30*24*time.Hour {
		return KeyView{}, 0, fault.E(fault.Unprocessable, "overlap_seconds: want 0 to 2592000")
	}
	secret, prefix, hash := credential.NewKey()
	var out KeyView
	rev, err := s.editKey(ctx, a, org, id, "key.rotate", func(k *domain.KeyRecord) {
		k.PrevHash, k.PrevUntil = k.Hash, s.now().Add(overlap)
		k.Hash, k.Prefix = hash, prefix
	}, &out)
	out.Secret = secret
	return out, rev, err
}

// RevokeKey: the next request with the key gets 401.
func (s *Service) RevokeKey(ctx context.Context, a Actor, org, id string) (int64, error) {
	return s.editKey(ctx, a, org, id, "key.revoke", func(k *domain.KeyRecord) {
		k.RevokedAt = s.now()
		k.PrevHash, k.PrevUntil = nil, time.Time{}
	}, nil)
}

func (s *Service) editKey(ctx context.Context, a Actor, org, id, action string, edit func(*domain.KeyRecord), out *KeyView) (int64, error) {
	o, _, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.require(o, a, "keys.manage", ""); err != nil {
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
		before := keyView(k)
		edit(&k)
		if err := tx.PutKey(k); err != nil {
			return nil, err
		}
		op := domain.OpPutKey
		if !k.RevokedAt.IsZero() {
			op = domain.OpDeleteKey
		}
		if out != nil {
			*out = keyView(k)
		}
		return &change{org: org, action: action, target: "key:" + id, before: before, after: keyView(k),
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
