// Package store defines Gatehouse's durable storage contract: the Store and
// Tx interfaces every backend implements, the records' query shapes, and the
// typed errors callers match with errors.Is.
//
// Every write goes through Store.Update, which runs in one transaction and
// commits as exactly one new global revision. Revisions come from a single
// counter row updated inside the transaction, so commit order equals revision
// order even with concurrent writers; a replica tailing the changelog in
// revision order therefore never skips a change that commits late.
//
// Backends live in the sqlite and postgres subpackages; storetest is the
// conformance suite both must pass.
package store
