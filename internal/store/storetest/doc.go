// Package storetest is the conformance suite every store backend must pass:
// one behaviour, checked the same way against SQLite and PostgreSQL, so the
// layers above can switch backends without noticing.
//
// A backend's test calls Run with a function that opens a fresh, empty
// store for each subtest, configured with Seal as its audit sealer.
package storetest
