// Package writeback writes what the results store holds into a vlmPhotoHouse catalog, the
// way that system's own tasks write it, so its web app shows mediafleet's faces, persons,
// captions and video keyframes:
//
//   - face_detections rows (boxes in the upright image's pixels, x/y the top-left corner),
//     each with its embedding as a float32 .npy under derived/face_embeddings/ and its 256 px
//     crop under derived/faces/256/, named by the row's id; person_id and label_source 'dnn'
//     from mediafleet's persons; persons rows with their centroid .npy;
//   - captions rows (model, model_version, quality_tier), older machine captions marked
//     superseded, the asset's caption fields updated;
//   - video_segments rows with their keyframe JPEGs under derived/video_frames/<asset id>/.
//
// It never writes to a suppressed asset, never touches a face a person labelled ('manual'),
// a caption a person edited, or a named person's name. Each face it adds or moves is recorded
// in that app's own audit table, face_assignment_events, with actor 'mediafleet': that record
// is how a later run tells the assignments it made (which it may change) from those someone
// else made (which it leaves alone). Running it again writes nothing new. Transactions are
// short, with a busy timeout, so the app may keep the catalog open meanwhile.
package writeback
