package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RecentAsset is one asset with results, as the dashboard's results list shows it.
type RecentAsset struct {
	Key   string `json:"asset_key"`
	Path  string `json:"path"`
	Media string `json:"media"`
	// StoredAt is when its latest result was stored.
	StoredAt time.Time `json:"stored_at"`
	// Faces, Captions and Keyframes count its stored results of every model version.
	Faces     int `json:"faces"`
	Captions  int `json:"captions"`
	Keyframes int `json:"keyframes"`
}

// recentSQL lists assets by their latest result; $1 is a LIKE pattern on the lower-cased
// path, $2 the limit.
const recentSQL = `SELECT a.key, a.path, a.media, r.at,
		(SELECT COUNT(*) FROM faces f WHERE f.asset = a.key),
		(SELECT COUNT(*) FROM captions c WHERE c.asset = a.key),
		(SELECT COUNT(*) FROM keyframes k WHERE k.asset = a.key)
	FROM assets a JOIN (
		SELECT asset, MAX(updated_at) AS at FROM (
			SELECT asset, updated_at FROM face_scans
			UNION ALL SELECT asset, updated_at FROM captions
			UNION ALL SELECT asset, updated_at FROM videos
		) u GROUP BY asset
	) r ON r.asset = a.key
	WHERE LOWER(a.path) LIKE $1 ESCAPE '\'
	ORDER BY r.at DESC, a.path, a.key
	LIMIT $2`

// Recent lists the assets with results, latest first; match filters by path, ignoring case.
func (s *sqlStore) Recent(ctx context.Context, match string, limit int) ([]RecentAsset, error) {
	if limit <= 0 {
		return []RecentAsset{}, nil
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(match)) + "%"
	out := []RecentAsset{}
	r, err := s.b.query(ctx, recentSQL, pattern, limit)
	if err != nil {
		return nil, s.fail("list recent results", err)
	}
	defer r.Close()
	for r.Next() {
		var (
			a  RecentAsset
			at int64
		)
		if err := r.Scan(&a.Key, &a.Path, &a.Media, &at, &a.Faces, &a.Captions, &a.Keyframes); err != nil {
			return nil, s.fail("list recent results", err)
		}
		a.StoredAt = fromUnixNano(at)
		out = append(out, a)
	}
	if err := r.Err(); err != nil {
		return nil, s.fail("list recent results", err)
	}
	return out, nil
}

// FacesStamp sums up the face scans of the model version: how many, how many faces, the
// latest write and a checksum of every write time (a replaced scan changes it even when
// another machine's clock wrote it with an earlier time).
func (s *sqlStore) FacesStamp(ctx context.Context, modelVersion string) (string, error) {
	var n, faces, latest, sum int64
	r, err := s.b.query(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(count), 0) AS BIGINT), COALESCE(MAX(updated_at), 0),
		CAST(COALESCE(SUM(updated_at % 1000000007), 0) AS BIGINT) FROM face_scans WHERE model_version = $1`, modelVersion)
	if err != nil {
		return "", s.fail("read the faces stamp of "+modelVersion, err)
	}
	defer r.Close()
	if r.Next() {
		err = r.Scan(&n, &faces, &latest, &sum)
	}
	if err == nil {
		err = r.Err()
	}
	if err != nil {
		return "", s.fail("read the faces stamp of "+modelVersion, err)
	}
	return fmt.Sprintf("%d/%d/%d/%d", n, faces, latest, sum), nil
}
