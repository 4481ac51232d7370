// Package store keeps mediafleet's results: the assets seen, the keyframes of each video, the
// faces (with embeddings) and the captions of each photo or keyframe. Every result is keyed by
// (asset, frame, model version) and written as an upsert, so a task run twice leaves one result.
//
// Two implementations pass one shared test suite (package storetest): SQLite (a file; the
// default) and PostgreSQL (for fleets across machines). Open picks one from a spec. Both share
// the SQL; only the connections differ. A SQLite store runs in WAL mode with one writing
// connection, so the goroutines of one process queue for it instead of failing busy, and
// waits out writers of other processes (busy_timeout, BEGIN IMMEDIATE).
//
// A worker records the asset (UpsertAsset) before putting the faces or caption of a photo;
// the keyframes of a video record it themselves. Results of an unrecorded asset are refused
// with ErrUnknownAsset, since Show and EachFace find results through their asset. Refused
// results (ErrInvalid, ErrUnknownAsset) are permanent; other write errors (a busy or absent
// database) are transient.
package store
