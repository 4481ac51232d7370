package persons

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// ErrConflict is a change by hand that would undo another: merging two named persons.
var ErrConflict = errors.New("conflicting change")

// withPerson runs fn on the person id inside the persons transaction of its model version,
// with every person of that version at hand.
func withPerson(ctx context.Context, st store.PersonStore, id int64, fn func(ctx context.Context, tx store.PersonsTx, all map[int64]*store.PersonState) error) error {
	p, err := st.GetPerson(ctx, id)
	if err != nil {
		return err
	}
	return st.UpdatePersons(ctx, p.ModelVersion, func(ctx context.Context, tx store.PersonsTx) error {
		all, err := personsByID(ctx, tx)
		if err != nil {
			return err
		}
		if all[id] == nil {
			return fmt.Errorf("person %d: %w", id, store.ErrNotFound)
		}
		return fn(ctx, tx, all)
	})
}

// personsByID reads every person of the transaction's model version, by id.
func personsByID(ctx context.Context, tx store.PersonsTx) (map[int64]*store.PersonState, error) {
	states, err := tx.Persons(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[int64]*store.PersonState, len(states))
	for i := range states {
		all[states[i].ID] = &states[i]
	}
	return all, nil
}

// Name gives a person a name (an empty name clears it). A named person is never merged into
// another automatically.
func Name(ctx context.Context, st store.PersonStore, id int64, name string) error {
	name = strings.TrimSpace(name)
	return withPerson(ctx, st, id, func(ctx context.Context, tx store.PersonsTx, all map[int64]*store.PersonState) error {
		p := all[id]
		p.Name = name
		return tx.SavePerson(ctx, *p)
	})
}

// Merge moves every face of the persons from into the person into and removes them. A
// person merging them decides, so faces move whatever their source; into keeps its name,
// or takes the one name among from. Two different names refuse with ErrConflict.
func Merge(ctx context.Context, st store.PersonStore, into int64, from ...int64) error {
	return withPerson(ctx, st, into, func(ctx context.Context, tx store.PersonsTx, all map[int64]*store.PersonState) error {
		target := all[into]
		for _, id := range from {
			src := all[id]
			switch {
			case id == into:
				continue
			case src == nil:
				return fmt.Errorf("person %d is not a person of model version %s (%w)", id, target.ModelVersion, store.ErrNotFound)
			case src.Name != "" && target.Name != "" && src.Name != target.Name:
				return fmt.Errorf("%w: person %d is %q and person %d is %q: rename one first", ErrConflict, into, target.Name, id, src.Name)
			}
			if target.Name == "" {
				target.Name = src.Name
			}
			addSum(target, src.Sum, src.Count)
			target.Manual += src.Manual
			if err := tx.MoveFaces(ctx, id, into); err != nil {
				return err
			}
			if err := tx.DeletePerson(ctx, id); err != nil {
				return err
			}
			delete(all, id)
		}
		return tx.SavePerson(ctx, *target)
	})
}

// Target says where Assign puts a face: a person's id, NewPerson or NoPerson.
type Target int64

const (
	// NewPerson starts a person with the face alone.
	NewPerson Target = -1
	// NoPerson keeps the face out of every person, for good.
	NoPerson Target = 0
)

// Assign puts one face where a person says it belongs; the face is manual from then on and
// no pass moves it. The person it leaves loses it (and is removed when empty). It returns
// the id of the person the face now belongs to (0 for NoPerson).
func Assign(ctx context.Context, st store.PersonStore, ref store.FaceRef, to Target) (int64, error) {
	var got int64
	err := st.UpdatePersons(ctx, ref.ModelVersion, func(ctx context.Context, tx store.PersonsTx) error {
		face, err := tx.Face(ctx, ref)
		if err != nil {
			return err
		}
		all, err := personsByID(ctx, tx)
		if err != nil {
			return err
		}
		v := unit(face.Embedding)
		if old := face.Assigned; old != nil && old.PersonID > 0 && all[old.PersonID] != nil {
			p := all[old.PersonID]
			addSum(p, scaled(v, -1), -1)
			if old.Source == store.SourceManual {
				p.Manual--
			}
			if p.Count <= 0 && p.Name == "" {
				if err := tx.DeletePerson(ctx, p.ID); err != nil {
					return err
				}
			} else if err := tx.SavePerson(ctx, *p); err != nil {
				return err
			}
		}
		switch {
		case to == NoPerson:
			return tx.Assign(ctx, []store.Assignment{{Face: ref, Source: store.SourceManual}})
		case to == NewPerson:
			id, err := tx.NewPersonID(ctx)
			if err != nil {
				return err
			}
			all[id] = &store.PersonState{ID: id, ModelVersion: ref.ModelVersion}
			got = id
		default:
			got = int64(to)
			if all[got] == nil {
				return fmt.Errorf("person %d is not a person of model version %s (%w)", got, ref.ModelVersion, store.ErrNotFound)
			}
		}
		p := all[got]
		addSum(p, v, 1)
		p.Manual++
		if err := tx.SavePerson(ctx, *p); err != nil {
			return err
		}
		return tx.Assign(ctx, []store.Assignment{{Face: ref, PersonID: got, Source: store.SourceManual,
			Score: float32(dot(v, unit(p.Sum)))}})
	})
	return got, err
}

func addSum(p *store.PersonState, v []float32, n int) {
	if len(p.Sum) < len(v) {
		p.Sum = append(p.Sum, make([]float32, len(v)-len(p.Sum))...)
	}
	for i, x := range v {
		p.Sum[i] += x
	}
	p.Count += n
}

func scaled(v []float32, k float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * k
	}
	return out
}
