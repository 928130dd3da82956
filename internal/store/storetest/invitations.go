package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testInvitations(e *env) {
	t := e.t
	e.org("acme")
	inv := func(id string, mod func(*domain.Invitation)) domain.Invitation {
		i := domain.Invitation{Org: "acme", ID: id, Email: id + "@example.test", Role: "member",
			TokenHash: hashOf("token-" + id), InvitedBy: "u1", CreatedAt: t0, ExpiresAt: at(48 * time.Hour)}
		if mod != nil {
			mod(&i)
		}
		return i
	}
	invs := []domain.Invitation{
		inv("inv_b", func(i *domain.Invitation) {
			i.Grants = []domain.InvitedGrant{{Role: "dataset.viewer", Scope: "dataset:*"}, {Role: "training.editor", Scope: "training:tr1"}}
			i.MembershipExpiresAt = at(90 * 24 * time.Hour) // a contractor's membership ends
		}),
		inv("inv_a", nil),
		inv("inv_accepted", func(i *domain.Invitation) { i.AcceptedAt = at(time.Hour) }),
		inv("inv_revoked", func(i *domain.Invitation) { i.RevokedAt = at(time.Hour) }),
		inv("inv_expired", func(i *domain.Invitation) { i.ExpiresAt = at(time.Hour) }),
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, i := range invs {
			if err := tx.PutInvitation(i); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range invs {
		got, err := read(e, func(r store.Reader) (domain.Invitation, error) { return r.GetInvitation("acme", want.ID) })
		noErr(t, "GetInvitation "+want.ID, err)
		equal(t, "GetInvitation "+want.ID, got, want)
		got, err = read(e, func(r store.Reader) (domain.Invitation, error) {
			return r.GetInvitationByTokenHash(hashOf("token-" + want.ID))
		})
		noErr(t, "GetInvitationByTokenHash "+want.ID, err)
		equal(t, "GetInvitationByTokenHash "+want.ID, got, want)
	}
	_, err := read(e, func(r store.Reader) (domain.Invitation, error) { return r.GetInvitation("acme", "inv_x") })
	isErr(t, "GetInvitation missing", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (domain.Invitation, error) { return r.GetInvitationByTokenHash(hashOf("x")) })
	isErr(t, "GetInvitationByTokenHash missing", err, store.ErrNotFound)
	isErr(t, "PutInvitation reusing a token", e.write(func(tx store.Tx) error {
		return tx.PutInvitation(inv("inv_c", func(i *domain.Invitation) { i.TokenHash = hashOf("token-inv_a") }))
	}), store.ErrConflict)

	list := mustRead(e, func(r store.Reader) ([]domain.Invitation, error) { return r.ListInvitations("acme") })
	equal(t, "ListInvitations in creation order", list, invs)

	for _, c := range []struct {
		now  time.Time
		want int
	}{{t0, 3}, {at(time.Hour), 2}, {at(48 * time.Hour), 0}} {
		n := mustRead(e, func(r store.Reader) (int, error) { return r.CountPendingInvitations("acme", c.now) })
		// The store and domain.Invitation.Pending must agree.
		pending := 0
		for _, i := range invs {
			if i.Pending(c.now) {
				pending++
			}
		}
		if n != c.want || n != pending {
			t.Errorf("CountPendingInvitations at %v = %d, want %d (Pending says %d)", c.now, n, c.want, pending)
		}
	}

	// Accepting is a replacement of the record.
	accepted := invs[1]
	accepted.AcceptedAt = at(2 * time.Hour)
	e.mustWrite(func(tx store.Tx) error { return tx.PutInvitation(accepted) })
	got := mustRead(e, func(r store.Reader) (domain.Invitation, error) { return r.GetInvitation("acme", "inv_a") })
	equal(t, "GetInvitation after accept", got, accepted)
}
