package store

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEmbeddingIsLittleEndianFloat32(t *testing.T) {
	t.Parallel()
	b := encodeEmbedding([]float32{1, float32(math.Inf(-1))})
	require.Equal(t, []byte{0, 0, 0x80, 0x3f, 0, 0, 0x80, 0xff}, b)
	v, err := decodeEmbedding(b)
	require.NoError(t, err)
	require.Equal(t, []float32{1, float32(math.Inf(-1))}, v)
	require.Nil(t, encodeEmbedding(nil))
	_, err = decodeEmbedding([]byte{1, 2, 3, 4, 5})
	require.ErrorContains(t, err, "5 bytes")
}

func TestLatencyRoundTripsToTheNanosecond(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, 1, 999, time.Second / 3, 1234567891, 26*time.Hour + 7} {
		require.Equal(t, d, fromDurationMS(durationMS(d)))
	}
}

func TestZeroTimeIsStoredAsZero(t *testing.T) {
	t.Parallel()
	require.Zero(t, unixNano(time.Time{}))
	require.True(t, fromUnixNano(0).IsZero())
	now := time.Now()
	require.True(t, now.Equal(fromUnixNano(unixNano(now))))
}

func TestSQLiteParams(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"SELECT 1":                            "SELECT 1",
		"a = $1 AND b IN ($2,$3, $4)":         "a = ? AND b IN (?,?, ?)",
		"VALUES ($1, $2), ($3, $4), ($5, $6)": "VALUES (?, ?), (?, ?), (?, ?)",
		"a = $2 AND b = $1":                   "a = ?2 AND b = ?1",
		"a = $1 OR b = $1":                    "a = ?1 OR b = ?1",
	} {
		require.Equal(t, want, sqliteParams(in), in)
	}
}
