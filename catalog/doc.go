// Package catalog is where mediafleet's assets come from: a Source streams the photos and
// videos of a library (a directory tree, a JSON-lines file, or a vlmPhotoHouse SQLite catalog),
// with path mapping applied so a worker on Linux can read paths written on Windows.
// Results go to the Store in the subpackage store.
package catalog
