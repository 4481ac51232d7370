package persons

import (
	"context"
	"fmt"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// Summary counts what Cluster did.
type Summary struct {
	ModelVersion string `json:"model_version"`
	// Faces is how many new faces were placed: Joined joined a person at once, Waiting wait
	// for similar faces; the rest started persons.
	Faces   int `json:"faces"`
	Joined  int `json:"joined"`
	Waiting int `json:"waiting"`
	// Created persons were started, Merged persons merged into others.
	Created int `json:"created"`
	Merged  int `json:"merged"`
	// Persons is how many persons the model version has now.
	Persons int `json:"persons"`
}

// Cluster places every face of the model version that no pass has seen yet, in
// transactions of at most batch new faces, and returns what it did.
func Cluster(ctx context.Context, st store.PersonStore, modelVersion string, p Params, batch int) (Summary, error) {
	sum := Summary{ModelVersion: modelVersion}
	if err := p.Validate(); err != nil {
		return sum, err
	}
	batch = max(1, batch)
	for {
		var n int
		err := st.UpdatePersons(ctx, modelVersion, func(ctx context.Context, tx store.PersonsTx) error {
			var err error
			n, err = pass(ctx, tx, p, batch, &sum)
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("clustering faces of %s: %w", modelVersion, err)
		}
		if n < batch {
			return sum, nil
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
}

// pass runs Plan over one batch inside the persons transaction and writes its result; it
// returns how many new faces it took.
func pass(ctx context.Context, tx store.PersonsTx, p Params, batch int, sum *Summary) (int, error) {
	states, err := tx.Persons(ctx)
	if err != nil {
		return 0, err
	}
	newRows, err := tx.NewFaces(ctx, batch)
	if err != nil {
		return 0, err
	}
	persons := make([]*Person, len(states))
	for i, s := range states {
		persons[i] = &Person{PersonState: s}
	}
	if len(newRows) == 0 {
		sum.Persons = len(persons)
		return 0, nil
	}
	waitRows, err := tx.WaitingFaces(ctx)
	if err != nil {
		return 0, err
	}
	res, err := Plan(p, persons, toFaces(newRows), toFaces(waitRows), func() (int64, error) { return tx.NewPersonID(ctx) })
	if err != nil {
		return 0, err
	}
	if err := apply(ctx, tx, res); err != nil {
		return 0, err
	}
	sum.Faces += len(newRows)
	sum.Joined += res.Joined
	sum.Waiting += res.Waiting
	sum.Created += res.Created
	sum.Merged += res.Merged
	sum.Persons = len(persons) + res.Created - len(res.Delete)
	return len(newRows), nil
}

// apply writes a pass's result: persons first (new ones must exist before faces point at
// them), then the merges, then the assignments.
func apply(ctx context.Context, tx store.PersonsTx, res *Result) error {
	for _, q := range res.Save {
		if err := tx.SavePerson(ctx, q.PersonState); err != nil {
			return err
		}
	}
	for _, m := range res.Moves {
		if err := tx.MoveFaces(ctx, m.From, m.Into); err != nil {
			return err
		}
		if err := tx.DeletePerson(ctx, m.From); err != nil {
			return err
		}
	}
	return tx.Assign(ctx, res.Assign)
}

func toFaces(rows []store.FaceEmbedding) []Face {
	out := make([]Face, 0, len(rows))
	for _, r := range rows {
		if len(r.Embedding) == 0 {
			continue
		}
		out = append(out, Face{Ref: r.FaceRef, Vec: unit(r.Embedding)})
	}
	return out
}
