// Package sqlstore implements store.Store once, on database/sql, for both
// SQLite and PostgreSQL.
//
// The two backends differ in very little, so instead of a per-dialect query
// rewriter (Dex's regex "flavors") every query is written once with $1, $2…
// placeholders, which PostgreSQL and modernc.org/sqlite both accept, and the
// remaining differences live in an explicit Dialect value: the row-locking
// suffix for read-modify-write, how driver errors map to store sentinels, and
// the embedded migrations.
//
// Layout: store.go holds the Store type, transactions and the connection
// split; codec.go converts between Go values and columns (times as unix
// milliseconds, slices and maps as JSON text, empty strings as NULL); one
// file per aggregate holds its queries.
package sqlstore
