package sqlstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// tm binds a timestamp: NULL for the zero time, else what the dialect wants.
func (t *Tx) tm(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	return t.cfg.Dialect.Time(v.UTC())
}

// timeDest scans a timestamp column of either backend: SQLite keeps
// microseconds since the epoch, PostgreSQL hands over a time.Time. NULL is
// the zero time.
type timeDest struct{ p *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = time.Time{}
	case int64:
		*d.p = time.UnixMicro(v).UTC()
	case time.Time:
		*d.p = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("timestamp: unexpected %T", src)
	}
	return nil
}

func (d timeDest) parse(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*d.p = time.UnixMicro(n).UTC()
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*d.p = v.UTC()
	return nil
}

func ts(p *time.Time) timeDest { return timeDest{p} }

// jsonText encodes v for a JSON column. It is bound as text: SQLite keeps
// it as TEXT, and pgx sends a string to json/jsonb verbatim.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// fromJSON decodes a JSON column; NULL or empty leaves v untouched.
func fromJSON(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// nullable binds "" as NULL, for optional references such as a parent.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// limitClause appends LIMIT with placeholder n when limit > 0. Both SQLite
// and PostgreSQL treat a missing LIMIT as "all", which neither spells the
// same way.
func limitClause(limit, n int) string {
	if limit <= 0 {
		return ""
	}
	return " LIMIT $" + strconv.Itoa(n)
}

// page trims items fetched with limit+1 to limit and returns the token of
// the next page: the key of the last item kept, or "" on the last page.
func page[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if limit <= 0 || len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[limit-1])
}

// fetch is the row count to ask for so page can tell whether more follow.
func fetch(limit int) int {
	if limit <= 0 {
		return 0
	}
	return limit + 1
}
