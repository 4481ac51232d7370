package tasks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTaskIDStable: the same file and model version give the same TaskID; another file content,
// another path/size/mtime, another frame or another model version give another.
func TestTaskIDStable(t *testing.T) {
	sha := "3f9c0a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccdd"
	k1 := AssetKey(sha, "/a.jpg", 10, 100)
	require.Equal(t, k1, AssetKey(sha, "/moved/a.jpg", 99, 5), "a content hash keys the file wherever it lies")
	require.Equal(t, k1, AssetKey(" "+"3F9C0A1B2C3D4E5F60718293A4B5C6D7E8F90112233445566778899AABBCCDD", "", 0, 0))
	require.NotEqual(t, k1, AssetKey("00"+sha[2:], "/a.jpg", 10, 100))

	p1 := AssetKey("", "/a.jpg", 10, 100)
	require.Equal(t, p1, AssetKey("", "/a.jpg", 10, 100))
	for _, other := range []string{AssetKey("", "/b.jpg", 10, 100), AssetKey("", "/a.jpg", 11, 100), AssetKey("", "/a.jpg", 10, 101)} {
		require.NotEqual(t, p1, other)
	}
	require.Equal(t, "faces:"+k1+":fr1", TaskID(Faces, k1, 0, "fr1"))
	require.Equal(t, "faces:"+k1+":3:fr1", TaskID(Faces, k1, 3, "fr1"))
	require.NotEqual(t, TaskID(Faces, k1, 0, "fr1"), TaskID(Faces, k1, 0, "fr2"))
	require.NotEqual(t, TaskID(Faces, k1, 0, "fr1"), TaskID(Captions, k1, 0, "fr1"))
}

func TestQueueNames(t *testing.T) {
	require.Equal(t, "faces", QueueName("", Faces))
	require.Equal(t, "lib1:faces", QueueName("lib1", Faces))
	k, ok := KindOfQueue("lib1", "lib1:captions")
	require.True(t, ok)
	require.Equal(t, Captions, k)
	_, ok = KindOfQueue("lib1", "lib2:captions")
	require.False(t, ok)
	k, ok = KindOfType(Keyframes.TypeName())
	require.True(t, ok)
	require.Equal(t, Keyframes, k)
	ks, err := ParseKinds("faces, Captions,faces")
	require.NoError(t, err)
	require.Equal(t, []Kind{Faces, Captions}, ks)
	_, err = ParseKinds("faces,thumbs")
	require.ErrorContains(t, err, "thumbs")
}

// TestDecodeBadPayloadIsPermanent: a payload that does not decode or validate is ErrBadPayload
// with a reason that names the file.
func TestDecodeBadPayloadIsPermanent(t *testing.T) {
	var p FacesPayload
	err := Decode([]byte("{nope"), &p)
	require.ErrorIs(t, err, ErrBadPayload)
	require.ErrorIs(t, err, ErrBadPayload)
	require.ErrorContains(t, err, "does not decode")
	require.NotContains(t, err.Error(), "skip retry", "the archived reason is ours alone")

	err = Decode([]byte(`{"asset":{"asset_key":"h0123456789abcdef0123","path":"/p/x.jpg"},"frame":-2,"image":"/p/x.jpg","model_version":"v1"}`), &p)
	require.ErrorIs(t, err, ErrBadPayload)
	require.ErrorContains(t, err, "/p/x.jpg")
	require.ErrorContains(t, err, "negative")

	var p2 FacesPayload
	err = Decode([]byte(`{"asset":{"asset_key":"h0123456789abcdef0123","path":"/p/x.jpg"},"image":"/p/x.jpg","model_version":"v:1"}`), &p2)
	require.ErrorContains(t, err, "model_version")
}

func TestSealCarriesQueueAndID(t *testing.T) {
	p := &KeyframesPayload{Asset: AssetRef{Key: "habcdefabcdefabcdefab", Path: "/v.mp4"}, ModelVersion: "kf1-x"}
	e, err := Seal(p, Options{Prefix: "lib", MaxRetry: 3})
	require.NoError(t, err)
	require.Equal(t, "mediafleet:keyframes", e.Type)
	require.Equal(t, "lib:keyframes", e.Queue)
	require.Equal(t, p.TaskID(), e.ID)
	require.Equal(t, 3, e.MaxRetry)
	var back KeyframesPayload
	require.NoError(t, Decode(e.Body, &back))
	require.Equal(t, *p, back)
	_, err = Seal(&KeyframesPayload{Asset: AssetRef{Path: "/v.mp4"}, ModelVersion: "kf1"}, Options{})
	require.ErrorContains(t, err, "asset_key is empty")
}
