// Package storetest holds the test suite that every mediafleet results store passes, and
// opens throwaway stores for tests: a SQLite file in the test's temporary folder, or a
// PostgreSQL schema of its own that is dropped when the test ends.
package storetest
