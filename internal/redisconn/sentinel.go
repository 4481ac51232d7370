package redisconn

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/mediafleet/mediafleet/internal/redact"
)

// SentinelScheme is the scheme of a Redis behind Sentinel:
//
//	redis-sentinel://[[user]:password@]host:port[,host:port...]/master[/db][?sentinel_password=PW]
//
// The hosts are the sentinels, master is the name they watch, db the database (default 0).
// The password is the Redis servers' own (requirepass); sentinel_password is the sentinels'
// when they have one. The older form with ?master=NAME instead of the path is accepted too.
const SentinelScheme = "redis-sentinel://"

// parseSentinel reads a redis-sentinel:// URL into asynq's failover options, which asynq and
// go-redis use to ask the sentinels for the master on every new connection.
func parseSentinel(raw string) (asynq.RedisFailoverClientOpt, error) {
	var opt asynq.RedisFailoverClientOpt
	bad := func(why string) (asynq.RedisFailoverClientOpt, error) {
		return opt, fmt.Errorf("redis_url %s: %s; the form is %s[:password@]host:port[,host:port...]/master[/db]",
			redact.URL(raw), why, SentinelScheme)
	}
	rest := strings.TrimPrefix(raw, SentinelScheme)
	rest, query, _ := strings.Cut(rest, "?")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, pw, hasPW := strings.Cut(rest[:at], ":")
		u, err1 := url.PathUnescape(user)
		p, err2 := url.PathUnescape(pw)
		if err1 != nil || err2 != nil {
			return bad("its user or password has a bad %-escape")
		}
		opt.Username = u
		if hasPW {
			opt.Password = p
		}
		rest = rest[at+1:]
	}
	hosts, path, _ := strings.Cut(rest, "/")
	for h := range strings.SplitSeq(hosts, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" {
			return bad(fmt.Sprintf("sentinel %q is not host:port", h))
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return bad(fmt.Sprintf("sentinel %q has a bad port", h))
		}
		opt.SentinelAddrs = append(opt.SentinelAddrs, h)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return bad("its query does not parse")
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) > 2:
		return bad("the path has more than master and db")
	case len(segs) == 2:
		db, err := strconv.Atoi(segs[1])
		if err != nil || db < 0 {
			return bad(fmt.Sprintf("db %q is not a number", segs[1]))
		}
		opt.DB = db
	}
	opt.MasterName = segs[0]
	if m := q.Get("master"); m != "" && opt.MasterName == "" {
		opt.MasterName = m
	}
	if opt.MasterName == "" {
		return bad("it names no master")
	}
	opt.SentinelPassword = q.Get("sentinel_password")
	return opt, nil
}
