package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mediafleet/mediafleet/catalog/store"
)

// TestParseFaceRefChecksTheKey: a face named on the command line must carry a real asset key.
func TestParseFaceRefChecksTheKey(t *testing.T) {
	r, err := store.ParseFaceRef("h0123456789abcdef0123:2:1", "fr1")
	require.NoError(t, err)
	require.Equal(t, store.FaceRef{AssetKey: "h0123456789abcdef0123", Frame: 2, Index: 1, ModelVersion: "fr1"}, r)
	for _, s := range []string{"../../x:0:0", "h01:0:0", "H0123456789ABCDEF0123:0:0"} {
		_, err := store.ParseFaceRef(s, "fr1")
		require.ErrorContains(t, err, "not an asset key", s)
	}
}
