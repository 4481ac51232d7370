// Package facesearch finds the stored faces most similar to a face: for each query face, the
// top stored faces of one face model version by cosine similarity of their embeddings,
// brute force in one pass over the store. The query faces are an asset's stored faces, or the
// faces the face pipeline finds in a file the store does not hold. `mediafleet faces similar`
// and the dashboard's results view both search through it.
package facesearch
