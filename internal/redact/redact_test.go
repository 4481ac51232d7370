package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestURLHidesEveryPasswordForm(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"redis://:s3cret@10.0.0.5:6379/0", "redis://:xxxxx@10.0.0.5:6379/0"},
		{"redis://app:s3cret@10.0.0.5:6379/0", "redis://app:xxxxx@10.0.0.5:6379/0"},
		{"rediss://:p@ss:w/rd@h:6380/1", "rediss://:xxxxx@h:6380/1"},
		{"redis-sentinel://:s3cret@s1:26379,s2:26379,s3:26379/mymaster/2", "redis-sentinel://:xxxxx@s1:26379,s2:26379,s3:26379/mymaster/2"},
		{"redis-sentinel://s1:26379?master=m&password=s3cret&sentinel_password=t0p", "redis-sentinel://s1:26379?master=m&password=xxxxx&sentinel_password=xxxxx"},
		{"redis-cluster://:s3cret@n1:7000,n2:7001", "redis-cluster://:xxxxx@n1:7000,n2:7001"},
		{"redis-socket://:s3cret@/run/redis.sock?db=2", "redis-socket://:xxxxx@/run/redis.sock?db=2"},
		{"postgres://fleet:s3cret@db:5432/media?sslmode=disable", "postgres://fleet:xxxxx@db:5432/media?sslmode=disable"},
		{"postgres://fleet@db/media?password=s3cret", "postgres://fleet@db/media?password=xxxxx"},
		{"host=db user=fleet password=s3cret dbname=media", "host=db user=fleet password=xxxxx dbname=media"},
		{"host=db password='s3 cret' dbname=media", "host=db password=xxxxx dbname=media"},
		// Nothing to hide: unchanged.
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://user@h:1/0", "redis://user@h:1/0"},
		{"/var/lib/mediafleet/mediafleet.db", "/var/lib/mediafleet/mediafleet.db"},
	} {
		got := URL(c.raw)
		require.Equal(t, c.want, got, c.raw)
		for _, s := range []string{"s3cret", "t0p", "p@ss", "s3 cret"} {
			require.NotContains(t, got, s, c.raw)
		}
	}
}

func TestErrorHidesPasswordsAndKeepsTheCause(t *testing.T) {
	raw := "redis-sentinel://:p%40ss@s1:26379/m"
	cause := fmt.Errorf("dial %s failed for p@ss: %w", raw, fs.ErrNotExist)
	err := Error(cause, raw, "postgres://u:other@db/x")
	require.NotContains(t, err.Error(), "p%40ss")
	require.NotContains(t, err.Error(), "p@ss")
	require.True(t, strings.Contains(err.Error(), "s1:26379/m"), "the rest of the message stays: %s", err)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.NoError(t, Error(nil, raw))
	plain := errors.New("connection refused")
	require.Same(t, plain, Error(plain, raw), "an error without a secret is returned as it is")
	require.Equal(t, "auth xxxxx", Text("auth s3cret", "host=h password=s3cret"))
}
