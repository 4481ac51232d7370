package catalog

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPathMapApply(t *testing.T) {
	t.Parallel()
	pm := mustPathMap(t,
		"E:/=/mnt/e/",
		`E:\Photos\Family=/srv/family`,
		"//NAS/photos=/mnt/nas",
		"/Volumes/lib=/mnt/lib",
		"D:/照片=/mnt/照片",
		"G:/Ärger=/mnt/g",
	)
	cases := []struct {
		in, want string
		matched  bool
	}{
		{`E:/01_INCOMING\Jane\x.jpg`, "/mnt/e/01_INCOMING/Jane/x.jpg", true},
		{`E:\视频\家庭\生日.mp4`, "/mnt/e/视频/家庭/生日.mp4", true},
		{`e:\photos\lower.JPG`, "/mnt/e/photos/lower.JPG", true}, // drive letter in either case
		{"E:", "/mnt/e", true},
		{"E:/Photos/Family/a.jpg", "/srv/family/a.jpg", true},            // the longest FROM wins
		{`e:\PHOTOS\family\b.jpg`, "/srv/family/b.jpg", true},            // Windows paths fold case
		{"E:/Photos/Familyx/a.jpg", "/mnt/e/Photos/Familyx/a.jpg", true}, // whole elements only
		{`\\nas\photos\2019\x.jpg`, "/mnt/nas/2019/x.jpg", true},
		{"/Volumes/lib/a/b.png", "/mnt/lib/a/b.png", true},
		{"/volumes/lib/a/b.png", "/volumes/lib/a/b.png", false}, // a POSIX FROM keeps its case
		{"/Volumes/library/a.png", "/Volumes/library/a.png", false},
		{`D:\照片\2020\春节.jpg`, "/mnt/照片/2020/春节.jpg", true},
		{"g:/ärger/x.jpg", "/mnt/g/x.jpg", true},
		{"E:/a/./b//../c.jpg", "/mnt/e/a/c.jpg", true},
		{`F:\other\x.jpg`, "F:/other/x.jpg", false},
		{"/srv/already/local.jpg", "/srv/already/local.jpg", false},
	}
	for _, c := range cases {
		got, matched := pm.Map(c.in)
		assert.Equal(t, c.want, got, "Map(%q)", c.in)
		assert.Equal(t, c.matched, matched, "Map(%q) matched", c.in)
		assert.Equal(t, c.want, pm.Apply(c.in))
	}
}

func TestPathMapRootAndEmpty(t *testing.T) {
	t.Parallel()
	root := mustPathMap(t, "/=/mnt/root")
	assert.Equal(t, "/mnt/root/a/b.jpg", root.Apply("/a/b.jpg"))

	var zero PathMap
	got, matched := zero.Map(`E:\x\y.jpg`)
	assert.Equal(t, "E:/x/y.jpg", got)
	assert.False(t, matched)
	assert.Equal(t, "/a/b", zero.Apply("/a//b/"))
}

func TestPathMapOrderAndString(t *testing.T) {
	t.Parallel()
	pm, err := ParsePathMapList(" E:/=/mnt/e/ , E:/Photos=/srv/photos,,")
	require.NoError(t, err)
	rules := pm.Rules()
	require.Len(t, rules, 2)
	assert.Equal(t, "E:/Photos", rules[0].From, "longest FROM first")
	assert.Equal(t, "/srv/photos", rules[0].To)
	assert.Equal(t, "E:", rules[1].From)
	assert.Equal(t, "/mnt/e", rules[1].To)
	assert.Equal(t, "E:/Photos=/srv/photos,E:=/mnt/e", pm.String())
}

func TestParsePathMapRefusesMalformedRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rules []string
		says  string
	}{
		{[]string{"E:/"}, "has no '='"},
		{[]string{"=/mnt/e"}, "empty FROM"},
		{[]string{"E:/="}, "empty TO"},
		{[]string{"E:/=mnt/e"}, "is not an absolute path"},
		{[]string{`E:/=E:\x`}, "is not an absolute path"},
		{[]string{"E:/=/mnt/e/D:/=/mnt/d"}, "more than one '='"},
		{[]string{"E:/=/mnt/e", "e:=/mnt/other"}, "same FROM"},
		{[]string{"  "}, "empty"},
	}
	for _, c := range cases {
		_, err := ParsePathMap(c.rules)
		require.Error(t, err, "%q", c.rules)
		assert.True(t, errors.Is(err, ErrBadPathMap), "%q: %v", c.rules, err)
		assert.Contains(t, err.Error(), c.says, "%q", c.rules)
	}
	_, err := ParsePathMapList("E:/=/mnt/e,oops")
	require.ErrorIs(t, err, ErrBadPathMap)
	assert.Contains(t, err.Error(), `"oops"`)
}
