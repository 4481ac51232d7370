// Package persons groups stored faces into persons, incrementally: a new face joins the
// person whose centroid it is close enough to, otherwise it waits until enough similar
// unassigned faces start a new person; persons whose centroids come too close merge. Faces a
// person assigned by hand are never moved, and two named persons never merge.
//
// Plan is the algorithm alone, over vectors in memory. Cluster runs one pass of it against a
// store inside the store's persons transaction, which excludes every other clusterer of the
// same face model version in any process: two workers never create the same person twice.
// Name, Merge and Assign are the changes a person makes by hand.
package persons
