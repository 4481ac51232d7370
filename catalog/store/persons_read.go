package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
)

// personFacesSQL selects the faces of persons with their files; %s narrows it.
const personFacesSQL = `SELECT pf.person_id, f.asset, f.frame, f.model_version, f.idx, a.path, s.image, f.bbox, f.score,
		pf.source, pf.score, f.crop_path
	FROM person_faces pf
	JOIN faces f ON f.asset = pf.asset AND f.frame = pf.frame AND f.model_version = pf.model_version AND f.idx = pf.idx
	JOIN face_scans s ON s.asset = f.asset AND s.frame = f.frame AND s.model_version = f.model_version
	JOIN assets a ON a.key = f.asset
	WHERE pf.person_id IS NOT NULL AND %s
	ORDER BY pf.person_id, f.score DESC, f.asset, f.frame, f.idx`

func scanPersonFace(r rows) (int64, PersonFace, error) {
	var (
		id         int64
		pf         PersonFace
		bbox       string
		score, sim float64
	)
	if err := r.Scan(&id, &pf.AssetKey, &pf.Frame, &pf.ModelVersion, &pf.Index, &pf.Path, &pf.Image, &bbox, &score,
		&pf.Source, &sim, &pf.CropPath); err != nil {
		return 0, pf, err
	}
	pf.Score, pf.Similarity = float32(score), float32(sim)
	if err := decodeJSON(bbox, &pf.BBox); err != nil {
		return 0, pf, fmt.Errorf("face %s bbox: %w", pf.FaceRef, err)
	}
	return id, pf, nil
}

// ListPersons returns the persons of a model version (all when empty), most faces first. The
// face count and the sample are read from the faces that exist now.
func (s *sqlStore) ListPersons(ctx context.Context, modelVersion string) ([]Person, error) {
	var out []Person
	err := s.b.tx(ctx, false, func(q querier) error {
		out = nil
		where, args := "1 = 1", []any(nil)
		if modelVersion != "" {
			where, args = "model_version = $1", []any{modelVersion}
		}
		byID := map[int64]int{}
		err := each(ctx, q, `SELECT id, model_version, name, sum, created_at, updated_at FROM persons WHERE `+where+` ORDER BY id`,
			args, func(r rows) error {
				var (
					p                Person
					sum              []byte
					created, updated int64
				)
				if err := r.Scan(&p.ID, &p.ModelVersion, &p.Name, &sum, &created, &updated); err != nil {
					return err
				}
				v, err := decodeEmbedding(sum)
				if err != nil {
					return fmt.Errorf("person %d: %w", p.ID, err)
				}
				p.Centroid = normalized(v)
				p.CreatedAt, p.UpdatedAt = fromUnixNano(created), fromUnixNano(updated)
				byID[p.ID] = len(out)
				out = append(out, p)
				return nil
			})
		if err != nil {
			return err
		}
		fw := "1 = 1"
		if modelVersion != "" {
			fw = "pf.model_version = $1"
		}
		return each(ctx, q, fmt.Sprintf(personFacesSQL, fw), args, func(r rows) error {
			id, pf, err := scanPersonFace(r)
			if err != nil {
				return err
			}
			i, ok := byID[id]
			if !ok {
				return nil
			}
			p := &out[i]
			if p.FaceCount == 0 {
				p.Sample = pf.Path
				ref := pf.FaceRef
				p.SampleFace = &ref
			}
			p.FaceCount++
			return nil
		})
	})
	if err != nil {
		return nil, s.fail("list persons", err)
	}
	sortPersons(out)
	return out, nil
}

// GetPerson returns one person with its faces.
func (s *sqlStore) GetPerson(ctx context.Context, id int64) (*Person, error) {
	var p *Person
	err := s.b.tx(ctx, false, func(q querier) error {
		p = &Person{Faces: []PersonFace{}}
		var (
			sum              []byte
			created, updated int64
		)
		found, err := queryOne(ctx, q, `SELECT id, model_version, name, sum, created_at, updated_at FROM persons WHERE id = $1`,
			[]any{id}, &p.ID, &p.ModelVersion, &p.Name, &sum, &created, &updated)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		v, err := decodeEmbedding(sum)
		if err != nil {
			return err
		}
		p.Centroid = normalized(v)
		p.CreatedAt, p.UpdatedAt = fromUnixNano(created), fromUnixNano(updated)
		return each(ctx, q, fmt.Sprintf(personFacesSQL, "pf.person_id = $1"), []any{id}, func(r rows) error {
			_, pf, err := scanPersonFace(r)
			if err != nil {
				return err
			}
			if len(p.Faces) == 0 {
				p.Sample = pf.Path
				ref := pf.FaceRef
				p.SampleFace = &ref
			}
			p.Faces = append(p.Faces, pf)
			p.FaceCount++
			return nil
		})
	})
	if err == ErrNotFound {
		return nil, fmt.Errorf("store %s: person %d: %w", s.where, id, ErrNotFound)
	}
	if err != nil {
		return nil, s.fail(fmt.Sprintf("read person %d", id), err)
	}
	return p, nil
}

// Assignments returns the assignments of the faces of the assets in a model version.
func (s *sqlStore) Assignments(ctx context.Context, modelVersion string, assetKeys []string) (map[FaceRef]Assignment, error) {
	out := map[FaceRef]Assignment{}
	for len(assetKeys) > 0 {
		n := min(doneChunk, len(assetKeys))
		args := []any{modelVersion}
		marks := make([]string, n)
		for i, k := range assetKeys[:n] {
			args = append(args, k)
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		err := func() error {
			r, err := s.b.query(ctx, `SELECT asset, frame, idx, person_id, source, score FROM person_faces
				WHERE model_version = $1 AND asset IN (`+strings.Join(marks, ",")+`)`, args...)
			if err != nil {
				return err
			}
			defer r.Close()
			for r.Next() {
				a := Assignment{Face: FaceRef{ModelVersion: modelVersion}}
				var (
					person *int64
					score  float64
				)
				if err := r.Scan(&a.Face.AssetKey, &a.Face.Frame, &a.Face.Index, &person, &a.Source, &score); err != nil {
					return err
				}
				if person != nil {
					a.PersonID = *person
				}
				a.Score = float32(score)
				out[a.Face] = a
			}
			return r.Err()
		}()
		if err != nil {
			return nil, s.fail("read face assignments", err)
		}
		assetKeys = assetKeys[n:]
	}
	return out, nil
}

// sortPersons orders persons by face count, most first, then by id.
func sortPersons(ps []Person) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].FaceCount != ps[j].FaceCount {
			return ps[i].FaceCount > ps[j].FaceCount
		}
		return ps[i].ID < ps[j].ID
	})
}

// normalized returns v scaled to unit length (nil for nil or a zero vector).
func normalized(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil
	}
	inv := 1 / math.Sqrt(n)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}
