package testenv

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ownDBs are the database numbers of the test Redis that OwnRedisURL lends out; database 0,
// or whichever the test URL names, stays shared.
const ownDBs = 15

// OwnRedisURL is the URL of a database of the test Redis that this test has to itself until it
// ends, empty when it gets it: for tests that see every queue of a database, as asynqmon's
// listing does, where another test's queues would come and go underneath. Tests in any package
// and process take turns through a lease key in the shared database; the test waits while all
// are lent.
func OwnRedisURL(t testing.TB) string {
	t.Helper()
	base := RedisURL(t)
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("test Redis URL %q: %v", base, err)
	}
	shared := redis.NewClient(opt)
	token := Prefix(t)
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n <= ownDBs; n++ {
			if n == opt.DB {
				continue
			}
			lease := "mediafleet:test:db:" + strconv.Itoa(n)
			ok, err := shared.SetNX(ctx, lease, token, 10*time.Minute).Result()
			if err != nil {
				shared.Close()
				t.Fatalf("taking a Redis database for the test: %v", err)
			}
			if !ok {
				continue
			}
			u, err := url.Parse(base)
			if err != nil {
				shared.Close()
				t.Fatalf("test Redis URL %q: %v", base, err)
			}
			u.Path = "/" + strconv.Itoa(n)
			own := u.String()
			if err := flush(own); err != nil {
				shared.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := flush(own); err != nil {
					t.Error(err)
				}
				if v, _ := shared.Get(ctx, lease).Result(); v == token {
					shared.Del(ctx, lease)
				}
				shared.Close()
			})
			return own
		}
		if time.Now().After(deadline) {
			shared.Close()
			t.Fatalf("every Redis database 1-%d stayed lent to other tests for 2 minutes", ownDBs)
		}
		time.Sleep(50 * time.Millisecond) // polling the leases
	}
}

// flush empties the database of URL u.
func flush(u string) error {
	opt, err := redis.ParseURL(u)
	if err != nil {
		return fmt.Errorf("test Redis URL %q: %w", u, err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		return fmt.Errorf("emptying Redis database %d for a test: %w", opt.DB, err)
	}
	return nil
}
