// Package vlmphtest makes vlmPhotoHouse catalogs for tests: an empty SQLite file with that
// app's schema (schema.sql, as its migrations create it), and helpers to add rows and read
// them back.
package vlmphtest
