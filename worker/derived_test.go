package worker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDerivedPathStaysUnderItsDir: a derived path that would leave its folder is refused,
// as permanent.
func TestDerivedPathStaysUnderItsDir(t *testing.T) {
	p, err := derivedPath("/data", "keyframes", "h0123456789abcdef0123")
	require.NoError(t, err)
	require.Equal(t, "/data/keyframes/h0123456789abcdef0123", p)
	for _, elem := range [][]string{{"keyframes", "../../escape"}, {".."}, {"."}, {"a", "../../b"}} {
		_, err := derivedPath("/data", elem...)
		var pe *PermanentError
		require.ErrorAs(t, err, &pe, "%v", elem)
	}
}
