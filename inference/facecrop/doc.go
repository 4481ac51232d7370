// Package facecrop cuts face boxes out of photos the way the vlmPhotoHouse app makes its face
// thumbnails: the box, in the pixels of the upright image (after EXIF orientation), cut
// without alignment, shrunk to fit a square of a given edge with its aspect kept, as an RGB
// JPEG. The write-back and the dashboard's people page use it.
package facecrop
