package redisconn

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
)

func TestRedisURLForms(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:6379/2", "rediss://:pw@h:6380/0", "redis-socket:///run/redis.sock",
		"redis-sentinel://s1:26379,s2:26379?master=mymaster"} {
		_, err := ParseRedisURL(u)
		require.NoError(t, err, u)
	}
	opt, err := ParseRedisURL("redis-cluster://:secret@n1:7000,n2:7001")
	require.NoError(t, err)
	cl, ok := opt.(asynq.RedisClusterClientOpt)
	require.True(t, ok)
	require.Equal(t, []string{"n1:7000", "n2:7001"}, cl.Addrs)
	require.Equal(t, "secret", cl.Password)
	for _, u := range []string{"", "http://x", "localhost:6379"} {
		_, err := ParseRedisURL(u)
		require.Error(t, err, u)
	}
	require.True(t, strings.Contains(redact("redis://u:topsecret@h:1/0"), "xxxxx"))
}
