// Package store keeps mediafleet's results: the assets seen, the keyframes of each video, the
// faces (with embeddings) and the captions of each photo or keyframe. Every result is keyed by
// (asset, frame, model version) and written as an upsert, so a task run twice leaves one result.
//
// Two implementations pass one shared test suite: SQLite (a file; the default) and PostgreSQL
// (for fleets across machines). Open picks one from a spec.
package store
