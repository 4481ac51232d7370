package redisconn

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
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
	for _, u := range []string{"redis://:topsecret@h:bad/0", "redis-cluster://:topsecret@n1:7000%zz", "rediss://:topsecret@[::1:6379/0"} {
		_, err := ParseRedisURL(u)
		require.Error(t, err, u)
		require.NotContains(t, err.Error(), "topsecret", "a bad URL's error hides its password")
	}
}

func TestSentinelURL(t *testing.T) {
	opt, err := ParseRedisURL("redis-sentinel://:p%40ss@s1:26379,s2:26380,[::1]:26381/media/3?sentinel_password=sp")
	require.NoError(t, err)
	f, ok := opt.(asynq.RedisFailoverClientOpt)
	require.True(t, ok)
	require.Equal(t, asynq.RedisFailoverClientOpt{MasterName: "media", SentinelAddrs: []string{"s1:26379", "s2:26380", "[::1]:26381"},
		Password: "p@ss", SentinelPassword: "sp", DB: 3}, f)

	opt, err = ParseRedisURL("redis-sentinel://s1:26379?master=mymaster")
	require.NoError(t, err)
	require.Equal(t, asynq.RedisFailoverClientOpt{MasterName: "mymaster", SentinelAddrs: []string{"s1:26379"}}, opt)

	for _, u := range []string{"redis-sentinel://s1:26379", "redis-sentinel://s1:26379/", "redis-sentinel://s1/m",
		"redis-sentinel://s1:0/m", "redis-sentinel://:topsecret@s1:26379,/m", "redis-sentinel://s1:26379/m/x", "redis-sentinel://s1:26379/m/0/1"} {
		_, err := ParseRedisURL(u)
		require.Error(t, err, u)
		require.NotContains(t, err.Error(), "topsecret")
		require.Contains(t, err.Error(), "/master[/db]", "the error shows the form")
	}
}

func TestPatientLengthensRetries(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:1/0", "redis-sentinel://127.0.0.1:1/m/0"} {
		opt, err := ParseRedisURL(u)
		require.NoError(t, err)
		c, ok := Patient(opt).MakeRedisClient().(*redis.Client)
		require.True(t, ok, u)
		require.Equal(t, 12, c.Options().MaxRetries, u)
		require.Equal(t, 2*time.Second, c.Options().MaxRetryBackoff, u)
		require.NoError(t, c.Close())
	}
}
