// Package sqlstore is the SQL behind store.Tx, shared by the sqlite and
// postgres backends so the two cannot drift apart. Its queries use only SQL
// both dialects speak ($N placeholders, ON CONFLICT, RETURNING, recursive
// CTEs); what differs — how a timestamp is bound, how driver errors read —
// comes in through Dialect, and the backends own connections and
// transactions.
package sqlstore
