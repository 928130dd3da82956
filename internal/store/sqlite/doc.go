// Package sqlite is Gatehouse's default store backend: one SQLite file,
// through the pure-Go modernc.org/sqlite driver.
//
// SQLite allows one writer at a time, so rather than let connections race
// for the lock and wait out busy timeouts, the backend keeps exactly one
// write connection (writes queue in database/sql instead) and a pool of read
// connections that WAL lets run alongside it.
package sqlite
