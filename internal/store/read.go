package store

import "context"

// Read runs one query in its own View and returns its result, for the
// common case of a single read outside any write:
//
//	org, err := store.Read(ctx, s, func(r store.Reader) (domain.Org, error) { return r.GetOrg(id) })
func Read[T any](ctx context.Context, s Store, fn func(Reader) (T, error)) (T, error) {
	var v T
	err := s.View(ctx, func(r Reader) error {
		var err error
		v, err = fn(r)
		return err
	})
	return v, err
}
