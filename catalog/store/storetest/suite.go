package storetest

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// RunSuite runs every behaviour a Store promises against stores that open gives, a fresh,
// empty one per subtest. The subtests run in parallel.
func RunSuite(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"UpsertReplacesFaces", testUpsertReplacesFaces},
		{"UpsertReplacesKeyframes", testUpsertReplacesKeyframes},
		{"FrameImages", testFrameImages},
		{"UpsertReplacesCaption", testUpsertReplacesCaption},
		{"UpsertAssetRefreshes", testUpsertAssetRefreshes},
		{"ZeroFacesIsAResult", testZeroFaces},
		{"DoneByKindAndVersion", testDoneByKindAndVersion},
		{"DoneManyKeys", testDoneManyKeys},
		{"ShowEverything", testShowEverything},
		{"ShowNotFound", testShowNotFound},
		{"ShowNewestKeyOfPath", testShowNewestKeyOfPath},
		{"Recent", testRecent},
		{"FacesStamp", testFacesStamp},
		{"EachFaceRoundTrips", testEachFaceRoundTrips},
		{"EachFaceStopsOnError", testEachFaceStopsOnError},
		{"ConcurrentWriters", testConcurrentWriters},
		{"UnknownAsset", testUnknownAsset},
		{"InvalidResults", testInvalidResults},
		{"PersonsRoundTrip", testPersonsRoundTrip},
		{"PersonsSerialised", testPersonsSerialised},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, open(t))
		})
	}
}

// newAsset makes an asset with a random key at path.
func newAsset(path, media string) store.Asset {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return store.Asset{
		Key: "k" + hex.EncodeToString(b), Path: path, SHA256: hex.EncodeToString(append(b, b...)),
		Mime: media + "/x", Media: media, Size: int64(binary.LittleEndian.Uint16(b)) + 1,
		ModTime: time.Unix(1700000000+int64(b[0]), int64(b[1])*1000+7),
	}
}

// put records an asset, failing the test on error.
func put(t *testing.T, s store.Store, a store.Asset) store.Asset {
	t.Helper()
	require.NoError(t, s.UpsertAsset(t.Context(), a))
	return a
}

// randomEmbedding returns dim float32 of random bits: NaN payloads, infinities, -0 and
// subnormals included, so only an exact round trip compares equal bit for bit.
func randomEmbedding(dim int) []float32 {
	b := make([]byte, 4*dim)
	_, _ = rand.Read(b)
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// newFaces makes n faces with distinct boxes and random embeddings of dim values.
func newFaces(n, dim int) []store.Face {
	faces := make([]store.Face, n)
	for i := range faces {
		x := float32(i)*100 + 0.125
		faces[i] = store.Face{
			Index: i, BBox: [4]float32{x, x / 3, x + 50.5, x + 61.25}, Score: 0.5 + float32(i)/1000,
			Landmarks: [5][2]float32{{x + 1, 2}, {x + 3, 4}, {x + 5, 6}, {x + 7, 8}, {x + 9, 1.0 / 3}},
			Embedding: randomEmbedding(dim), Dim: dim, CropPath: "/crops/" + string(rune('a'+i)) + ".jpg",
		}
	}
	return faces
}

// requireSameBits fails unless two embeddings hold the same float32 bit patterns.
func requireSameBits(t *testing.T, want, got []float32, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("%s: value %d is %08x, want %08x", msg, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}
