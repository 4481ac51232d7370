// Package faceeval measures face detection on a labelled set of pictures that Debian
// packages ship (people, group photos, animals, objects; scripts/setup.sh fetches them)
// and on group photos composed from them at run time with faces 48 to 160 pixels wide in
// 4000x3000 frames. It reports precision and recall per category, for the table that
// `mediafleet faces eval` prints and for the tests that hold the pipeline to it.
package faceeval
