package writeback

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// facesPerTx bounds the face updates of one transaction of the persons phase.
const facesPerTx = 200

// writePersons gives the faces of ours the catalog holds the persons of the store: each
// person of ours maps to the catalog person most of its faces already point at (as this
// package left them), else to a new one. Only faces whose assignment is still the one this
// package recorded change; 'manual' faces and faces someone else moved never do.
func (w *writer) writePersons(ctx context.Context) error {
	if len(w.ours) == 0 {
		return nil
	}
	keys := map[string]bool{}
	for _, f := range w.ours {
		keys[f.ref.AssetKey] = true
	}
	klist := make([]string, 0, len(keys))
	for k := range keys {
		klist = append(klist, k)
	}
	assigned, err := w.o.Store.Assignments(ctx, w.o.FacesVersion, klist)
	if err != nil {
		return err
	}
	people, err := w.o.Store.ListPersons(ctx, w.o.FacesVersion)
	if err != nil {
		return err
	}
	ourPersons := map[int64]store.Person{}
	for _, p := range people {
		ourPersons[p.ID] = p
	}
	for _, f := range w.ours {
		if a, ok := assigned[f.ref]; ok && ourPersons[a.PersonID].ID != 0 {
			f.assigned = a.PersonID
		}
	}
	existing, err := w.catalogPersons(ctx)
	if err != nil {
		return err
	}
	mapping := w.mapPersons(existing)

	// New catalog persons for persons of ours that have a face to give them.
	var create []int64
	created := map[int64]bool{}
	for pid := range ourPersons {
		if _, ok := mapping[pid]; ok {
			continue
		}
		for _, f := range w.ours {
			if f.assigned == pid && f.owned {
				create = append(create, pid)
				break
			}
		}
	}
	sort.Slice(create, func(i, j int) bool { return create[i] < create[j] })
	if len(create) > 0 {
		err := tx(ctx, w.db, w.o.DryRun, func(t *sql.Tx) error {
			for _, pid := range create {
				var name any
				if n := ourPersons[pid].Name; n != "" {
					name = n
				}
				var id int64
				if err := t.QueryRowContext(ctx, `INSERT INTO persons (display_name, face_count, created_at, updated_at)
					VALUES (?, 0, ?, ?) RETURNING id`, name, w.now, w.now).Scan(&id); err != nil {
					return err
				}
				mapping[pid], created[id] = id, true
				existing[id] = sql.NullString{String: ourPersons[pid].Name, Valid: name != nil}
				w.sum.PersonsCreated++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("creating persons in vlmph:%s: %w", w.o.Catalog, err)
		}
	}

	// Move the owned faces whose person differs, a batch per transaction.
	touched := map[int64]bool{}
	var moves []*ourFace
	for _, f := range w.ours {
		want := sql.NullInt64{}
		if id, ok := mapping[f.assigned]; ok && f.assigned != 0 {
			want = sql.NullInt64{Int64: id, Valid: true}
		}
		if f.owned && want != f.person {
			moves = append(moves, f)
		}
	}
	for i := 0; i < len(moves); i += facesPerTx {
		batch := moves[i:min(i+facesPerTx, len(moves))]
		err := tx(ctx, w.db, w.o.DryRun, func(t *sql.Tx) error {
			for _, f := range batch {
				moved, err := w.moveFace(ctx, t, f, mapping, assigned)
				if err != nil {
					return err
				}
				if moved {
					if f.person.Valid {
						touched[f.person.Int64] = true
					}
					if id, ok := mapping[f.assigned]; ok && f.assigned != 0 {
						touched[id] = true
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("assigning faces in vlmph:%s: %w", w.o.Catalog, err)
		}
	}
	return w.finishPersons(ctx, mapping, ourPersons, existing, touched, created)
}

// catalogPersons reads the catalog's persons: id and display_name.
func (w *writer) catalogPersons(ctx context.Context) (map[int64]sql.NullString, error) {
	r, err := w.db.QueryContext(ctx, `SELECT id, display_name FROM persons`)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[int64]sql.NullString{}
	for r.Next() {
		var (
			id   int64
			name sql.NullString
		)
		if err := r.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, r.Err()
}

// mapPersons maps each person of ours to the catalog person most of its owned faces point at;
// bigger persons choose first, and a catalog person goes to one person of ours only.
func (w *writer) mapPersons(existing map[int64]sql.NullString) map[int64]int64 {
	votes := map[int64]map[int64]int{}
	size := map[int64]int{}
	for _, f := range w.ours {
		if f.assigned == 0 {
			continue
		}
		size[f.assigned]++
		if f.owned && f.person.Valid {
			if _, ok := existing[f.person.Int64]; ok {
				if votes[f.assigned] == nil {
					votes[f.assigned] = map[int64]int{}
				}
				votes[f.assigned][f.person.Int64]++
			}
		}
	}
	order := make([]int64, 0, len(votes))
	for pid := range votes {
		order = append(order, pid)
	}
	sort.Slice(order, func(i, j int) bool {
		if size[order[i]] != size[order[j]] {
			return size[order[i]] > size[order[j]]
		}
		return order[i] < order[j]
	})
	mapping := map[int64]int64{}
	claimed := map[int64]bool{}
	for _, pid := range order {
		best, n := int64(0), 0
		for cid, v := range votes[pid] {
			if !claimed[cid] && (v > n || v == n && cid < best) {
				best, n = cid, v
			}
		}
		if best != 0 {
			mapping[pid], claimed[best] = best, true
		}
	}
	return mapping
}

// moveFace sets one face's person, if its row is still as read, and records it.
func (w *writer) moveFace(ctx context.Context, t *sql.Tx, f *ourFace, mapping map[int64]int64, as map[store.FaceRef]store.Assignment) (bool, error) {
	var (
		person, label, score any
		newLabel             sql.NullString
	)
	if id, ok := mapping[f.assigned]; ok && f.assigned != 0 {
		person, label, score = id, "dnn", float64(as[f.ref].Score)
		newLabel = sql.NullString{String: "dnn", Valid: true}
	}
	res, err := t.ExecContext(ctx, `UPDATE face_detections SET person_id = ?, label_source = ?, label_score = ?
		WHERE id = ? AND person_id IS ? AND label_source IS ?`, person, label, score, f.row, nullable(f.person), nullableS(f.label))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // changed meanwhile: someone else's now
	}
	_, err = t.ExecContext(ctx, `INSERT INTO face_assignment_events (face_id, asset_id, old_person_id, new_person_id,
		old_label_source, new_label_source, old_label_score, new_label_score, source, reason, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'dnn', ?, ?, ?)`, f.row, f.assetID, nullable(f.person), person,
		nullableS(f.label), nullableS(newLabel), nullableF(f.score), score, reasonPerson, Actor, w.now)
	if err != nil {
		return false, err
	}
	w.sum.FacesAssigned++
	return true, nil
}

// finishPersons recounts and re-centres the persons whose faces changed, names unnamed ones
// whose person of ours has a name, and removes the persons this run emptied that nobody named.
func (w *writer) finishPersons(ctx context.Context, mapping map[int64]int64, ours map[int64]store.Person,
	existing map[int64]sql.NullString, touched, created map[int64]bool) error {
	back := map[int64]int64{}
	for pid, cid := range mapping {
		back[cid] = pid
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return tx(ctx, w.db, w.o.DryRun, func(t *sql.Tx) error {
		for _, cid := range ids {
			var n int
			if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM face_detections WHERE person_id = ?`, cid).Scan(&n); err != nil {
				return err
			}
			if n == 0 && !existing[cid].Valid && !created[cid] {
				if _, err := t.ExecContext(ctx, `DELETE FROM persons WHERE id = ?`, cid); err != nil {
					return err
				}
				w.sum.PersonsRemoved++
				continue
			}
			set, args := `face_count = ?, updated_at = ?`, []any{n, w.now}
			if pid, ok := back[cid]; ok && len(ours[pid].Centroid) > 0 {
				name := fmt.Sprintf("%d.npy", cid)
				if err := w.file(w.o.Derived.LocalPath("person_embeddings", name), EncodeNPY(ours[pid].Centroid)); err != nil {
					return err
				}
				set += `, embedding_path = COALESCE(embedding_path, ?)`
				args = append(args, w.o.Derived.Path("person_embeddings", name))
			}
			if _, err := t.ExecContext(ctx, `UPDATE persons SET `+set+` WHERE id = ?`, append(args, cid)...); err != nil {
				return err
			}
			w.sum.PersonsUpdated++
		}
		for pid, cid := range mapping {
			name := ours[pid].Name
			if name == "" || existing[cid].Valid {
				continue
			}
			if _, err := t.ExecContext(ctx, `UPDATE persons SET display_name = ?, updated_at = ? WHERE id = ? AND display_name IS NULL`,
				name, w.now, cid); err != nil {
				return err
			}
			w.sum.PersonsNamed++
		}
		return nil
	})
}

func nullable(v sql.NullInt64) any {
	if v.Valid {
		return v.Int64
	}
	return nil
}

func nullableS(v sql.NullString) any {
	if v.Valid {
		return v.String
	}
	return nil
}

func nullableF(v sql.NullFloat64) any {
	if v.Valid {
		return v.Float64
	}
	return nil
}
