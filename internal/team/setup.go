package team

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Initialized reports whether the store holds any organization. The
// first-run page of the console (and `gatehouse serve`, which prints a
// one-time setup token only for an empty database) use it to refuse a
// second bootstrap once an organization exists.
func (s *Service) Initialized(ctx context.Context) (bool, error) {
	var n int
	err := s.view(ctx, func(r store.Reader) error {
		ids, err := r.ListOrgIDs()
		n = len(ids)
		return err
	})
	return n > 0, err
}
