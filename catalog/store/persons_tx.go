package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// UpdatePersons runs fn in one write transaction holding the persons lock of modelVersion.
func (s *sqlStore) UpdatePersons(ctx context.Context, modelVersion string, fn func(ctx context.Context, tx PersonsTx) error) error {
	if strings.TrimSpace(modelVersion) == "" {
		return fmt.Errorf("%w: persons need a face model version", ErrInvalid)
	}
	var fnErr error
	err := s.b.tx(ctx, true, func(q querier) error {
		if err := s.b.lockPersons(ctx, q, modelVersion); err != nil {
			return err
		}
		fnErr = fn(ctx, &personsTx{s: s, q: q, mv: modelVersion})
		return fnErr
	})
	if err != nil && fnErr != nil && errors.Is(err, fnErr) {
		return fnErr
	}
	if err != nil {
		return s.fail("update persons of "+modelVersion, err)
	}
	return nil
}

// personsTx is PersonsTx over one transaction.
type personsTx struct {
	s  *sqlStore
	q  querier
	mv string
}

var _ PersonsTx = (*personsTx)(nil)

func (t *personsTx) Persons(ctx context.Context) ([]PersonState, error) {
	var out []PersonState
	err := each(ctx, t.q, `SELECT id, name, sum, face_count, manual_count, created_at FROM persons
		WHERE model_version = $1 ORDER BY id`, []any{t.mv}, func(r rows) error {
		p := PersonState{ModelVersion: t.mv}
		var (
			sum     []byte
			created int64
		)
		if err := r.Scan(&p.ID, &p.Name, &sum, &p.Count, &p.Manual, &created); err != nil {
			return err
		}
		var err error
		if p.Sum, err = decodeEmbedding(sum); err != nil {
			return fmt.Errorf("person %d: %w", p.ID, err)
		}
		p.CreatedAt = fromUnixNano(created)
		out = append(out, p)
		return nil
	})
	return out, err
}

// faceEmbeddingSQL selects faces with their assignment; %s is the WHERE clause after the
// model version ($1).
const faceEmbeddingSQL = `SELECT f.asset, f.frame, f.idx, f.embedding, pf.person_id, pf.source, pf.score
	FROM faces f LEFT JOIN person_faces pf
		ON pf.asset = f.asset AND pf.frame = f.frame AND pf.model_version = f.model_version AND pf.idx = f.idx
	WHERE f.model_version = $1 AND f.embedding IS NOT NULL AND %s
	ORDER BY f.asset, f.frame, f.idx`

// faces reads the faces that where selects; limit > 0 bounds how many.
func (t *personsTx) faces(ctx context.Context, where string, limit int, args ...any) ([]FaceEmbedding, error) {
	var out []FaceEmbedding
	stmt := fmt.Sprintf(faceEmbeddingSQL, where)
	if limit > 0 {
		stmt += fmt.Sprintf(" LIMIT %d", limit)
	}
	err := each(ctx, t.q, stmt, append([]any{t.mv}, args...), func(r rows) error {
		fe := FaceEmbedding{FaceRef: FaceRef{ModelVersion: t.mv}}
		var (
			emb    []byte
			person *int64
			source *string
			score  *float64
		)
		if err := r.Scan(&fe.AssetKey, &fe.Frame, &fe.Index, &emb, &person, &source, &score); err != nil {
			return err
		}
		var err error
		if fe.Embedding, err = decodeEmbedding(emb); err != nil {
			return fmt.Errorf("face %s: %w", fe.FaceRef, err)
		}
		if source != nil {
			a := Assignment{Face: fe.FaceRef, Source: *source}
			if person != nil {
				a.PersonID = *person
			}
			if score != nil {
				a.Score = float32(*score)
			}
			fe.Assigned = &a
		}
		out = append(out, fe)
		return nil
	})
	return out, err
}

func (t *personsTx) NewFaces(ctx context.Context, limit int) ([]FaceEmbedding, error) {
	return t.faces(ctx, "pf.asset IS NULL", max(1, limit))
}

func (t *personsTx) WaitingFaces(ctx context.Context) ([]FaceEmbedding, error) {
	return t.faces(ctx, "pf.person_id IS NULL AND pf.source = $2", 0, SourceAuto)
}

func (t *personsTx) FacesOf(ctx context.Context, personID int64) ([]FaceEmbedding, error) {
	return t.faces(ctx, "pf.person_id = $2", 0, personID)
}

func (t *personsTx) Face(ctx context.Context, ref FaceRef) (FaceEmbedding, error) {
	fs, err := t.faces(ctx, "f.asset = $2 AND f.frame = $3 AND f.idx = $4", 0, ref.AssetKey, ref.Frame, ref.Index)
	if err != nil {
		return FaceEmbedding{}, err
	}
	if len(fs) == 0 {
		return FaceEmbedding{}, fmt.Errorf("face %s of model version %s: %w", ref, t.mv, ErrNotFound)
	}
	return fs[0], nil
}

func (t *personsTx) NewPersonID(ctx context.Context) (int64, error) {
	var next int64
	found, err := queryOne(ctx, t.q, `SELECT next FROM person_ids`, nil, &next)
	if err != nil {
		return 0, err
	}
	if !found {
		// The first person: start above any id already used (a store that lost the row).
		if _, err := queryOne(ctx, t.q, `SELECT COALESCE(MAX(id), 0) + 1 FROM persons`, nil, &next); err != nil {
			return 0, err
		}
		return next, t.q.exec(ctx, `INSERT INTO person_ids (next) VALUES ($1)`, next+1)
	}
	return next, t.q.exec(ctx, `UPDATE person_ids SET next = $1`, next+1)
}

func (t *personsTx) SavePerson(ctx context.Context, p PersonState) error {
	if p.ID <= 0 {
		return fmt.Errorf("%w: person id %d: reserve one with NewPersonID", ErrInvalid, p.ID)
	}
	now := t.s.now()
	created := unixNano(p.CreatedAt)
	if created == 0 {
		created = now
	}
	return t.q.exec(ctx, `INSERT INTO persons (id, model_version, name, sum, face_count, manual_count, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, sum = excluded.sum, face_count = excluded.face_count,
			manual_count = excluded.manual_count, updated_at = excluded.updated_at`,
		p.ID, t.mv, p.Name, blobArg(encodeEmbedding(p.Sum)), p.Count, p.Manual, created, now)
}

func (t *personsTx) DeletePerson(ctx context.Context, id int64) error {
	if err := t.q.exec(ctx, `UPDATE person_faces SET person_id = NULL WHERE person_id = $1`, id); err != nil {
		return err
	}
	return t.q.exec(ctx, `DELETE FROM persons WHERE id = $1 AND model_version = $2`, id, t.mv)
}

func (t *personsTx) Assign(ctx context.Context, as []Assignment) error {
	now := t.s.now()
	for _, a := range as {
		if a.Source != SourceAuto && a.Source != SourceManual {
			return fmt.Errorf("%w: assignment of face %s: source %q is neither auto nor manual", ErrInvalid, a.Face, a.Source)
		}
		var person any
		if a.PersonID > 0 {
			person = a.PersonID
		}
		err := t.q.exec(ctx, `INSERT INTO person_faces (asset, frame, model_version, idx, person_id, source, score, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (asset, frame, model_version, idx) DO UPDATE SET person_id = excluded.person_id,
				source = excluded.source, score = excluded.score, updated_at = excluded.updated_at`,
			a.Face.AssetKey, a.Face.Frame, t.mv, a.Face.Index, person, a.Source, float64(a.Score), now)
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *personsTx) MoveFaces(ctx context.Context, from, into int64) error {
	return t.q.exec(ctx, `UPDATE person_faces SET person_id = $1, updated_at = $2 WHERE person_id = $3 AND model_version = $4`,
		into, t.s.now(), from, t.mv)
}
