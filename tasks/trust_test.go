package tasks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeysAreTheSchemeExactly: only a letter h or p and 20 lower-case hex digits is a key;
// a payload with anything else ("../../escape" first of all) is archived at once.
func TestKeysAreTheSchemeExactly(t *testing.T) {
	for _, k := range []string{AssetKey("", "/a.jpg", 1, 2), AssetKey(strings.Repeat("ab", 32), "", 0, 0)} {
		require.NoError(t, CheckKey(k))
	}
	for _, k := range []string{"", "h", "../../escape", "h0123456789abcdef012", "h0123456789abcdef01234",
		"x0123456789abcdef0123", "h0123456789ABCDEF0123", "h0123456789abcdef012/", "p/123456789abcdef0123",
		"h0123456789abcdef012\x00", strings.Repeat("a", 1<<20)} {
		require.Error(t, CheckKey(k), "%.40q", k)
		body := `{"asset":{"asset_key":` + quote(k) + `,"path":"/lib/v.mp4"},"model_version":"kf1"}`
		var p KeyframesPayload
		err := Decode([]byte(body), &p)
		require.ErrorIs(t, err, ErrBadPayload, "%.40q", k)
		require.ErrorIs(t, err, ErrBadPayload)
		require.Less(t, len(err.Error()), 1000, "the reason quotes at most the start of a key")
	}
}

// TestPathsAreCheckedWhereTheyEnter: empty, relative, over-long and non-UTF-8 paths, for the
// asset and for the image, are refused by Decode and by Seal.
func TestPathsAreCheckedWhereTheyEnter(t *testing.T) {
	key := AssetKey("", "/a.jpg", 1, 2)
	for name, path := range map[string]string{"relative": "lib/a.jpg", "empty": "", "long": "/" + strings.Repeat("d/", MaxPathLen/2),
		"not UTF-8": "/lib/caf\xe9.jpg", "replacement char": "/lib/caf\uFFFD.jpg"} {
		for _, f := range []FrameRef{
			{Asset: AssetRef{Key: key, Path: path}, Image: "/lib/a.jpg", ModelVersion: "v1"},
			{Asset: AssetRef{Key: key, Path: "/lib/a.jpg"}, Image: path, ModelVersion: "v1"},
		} {
			_, err := Seal(&FacesPayload{FrameRef: f}, Options{})
			require.Error(t, err, name)
		}
	}
}

// TestPayloadSizeLimit: a payload larger than MaxPayload is refused unread, as a bad payload.
func TestPayloadSizeLimit(t *testing.T) {
	body := `{"asset":{"asset_key":"h0123456789abcdef0123","path":"/lib/a.jpg","mime":"` + strings.Repeat("x", MaxPayload) + `"},"image":"/lib/a.jpg","model_version":"v1"}`
	var p FacesPayload
	err := Decode([]byte(body), &p)
	require.ErrorIs(t, err, ErrBadPayload)
	require.ErrorContains(t, err, "more than the")
	_, err = Seal(&FacesPayload{FrameRef: FrameRef{Asset: AssetRef{Key: "h0123456789abcdef0123", Path: "/lib/a.jpg",
		Mime: strings.Repeat("x", MaxPayload)}, Image: "/lib/a.jpg", ModelVersion: "v1"}}, Options{})
	require.ErrorContains(t, err, "more than the")
}

// TestViewOf: every kind decodes into one view; a forged or foreign payload does not.
func TestViewOf(t *testing.T) {
	key := AssetKey("", "/lib/trip.mp4", 1, 2)
	f := FrameRef{Asset: AssetRef{Key: key, Path: "/lib/trip.mp4"}, Frame: 3, Image: "/data/k3.jpg", ModelVersion: "fr1"}
	for _, p := range []Payload{&FacesPayload{FrameRef: f}, &CaptionsPayload{FrameRef: f}} {
		task, err := Seal(p, Options{})
		require.NoError(t, err)
		v, err := ViewOf(task.Type, task.Body)
		require.NoError(t, err)
		require.Equal(t, View{Kind: p.Kind(), Key: key, Path: "/lib/trip.mp4", Frame: 3, Image: "/data/k3.jpg", ModelVersion: "fr1"}, v)
		require.Equal(t, string(p.Kind())+" /lib/trip.mp4 frame 3 (model fr1)", v.String())
	}
	task, err := Seal(&PersonsPayload{ModelVersion: "fr1", Due: 10}, Options{})
	require.NoError(t, err)
	v, err := ViewOf(task.Type, task.Body)
	require.NoError(t, err)
	require.Equal(t, View{Kind: Persons, ModelVersion: "fr1"}, v)

	_, err = ViewOf(Keyframes.TypeName(), []byte(`{"asset":{"asset_key":"../../escape","path":"/lib/trip.mp4"},"model_version":"kf1"}`))
	require.ErrorIs(t, err, ErrBadPayload)
	_, err = ViewOf("other:type", []byte(`{}`))
	require.Error(t, err)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		if c < 0x20 || c == '"' || c == '\\' {
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
