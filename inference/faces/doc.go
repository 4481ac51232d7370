// Package faces finds faces in images and turns each into an embedding for mediafleet's
// face search: decode (JPEG with EXIF orientation, PNG, WebP, first GIF frame) with a
// pixel limit checked from the header, detect (an UltraFace-style SSD), 68 landmarks,
// five-point similarity alignment to the ArcFace 112x112 template, embed (fr_feature by
// default, or any model an EmbedderConfig describes, such as LVFace), L2-normalise.
//
// A Pipeline is built once per process on an ort.Runtime and shared by every task:
//
//	rt, err := ort.Open(ort.Config{LibraryPath: lib}, log)
//	p, err := faces.New(rt, faces.DefaultConfig(modelsDir), log)
//	res, err := p.ProcessFile(ctx, path)
//	if faces.IsPermanent(err) { /* bad input: do not retry */ }
//
// When the embedding model's batch dimension is dynamic, faces from concurrent calls are
// grouped into one inference run by a micro-batcher (Config.Batch); a model fixed at batch
// 1 runs once per face on the caller's goroutine.
package faces
