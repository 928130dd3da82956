package team

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/fault"
)

// Page is one page of a list.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next_page_token"`
}

// Pages are 100 items unless asked otherwise, and never more than 1000,
// whatever the client asks.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// PageOf pages a list a use case holds whole (in memory, or bounded by a
// quota); lists that can grow without bound page in the store instead. The
// token is an opaque offset.
func PageOf[T any](items []T, limit int, token string) (Page[T], error) {
	off := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			return Page[T]{}, fault.E(fault.Invalid, "invalid page_token")
		}
		off = n
	}
	limit = clampLimit(limit)
	p := Page[T]{Items: []T{}}
	if off >= len(items) {
		return p, nil
	}
	end := min(off+limit, len(items))
	p.Items = append(p.Items, items[off:end]...)
	if end < len(items) {
		p.Next = OffsetToken(end)
	}
	return p, nil
}

// OffsetToken is the page token of PageOf's page that starts at item n,
// for a client that links straight to a page (the console's page links).
func OffsetToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}
