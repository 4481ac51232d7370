package configs

// QueueOrDefault is the settings of the named queue: as configured, or, for a queue this
// process does not serve (SetQueues or the file left it out), the defaults' settings, so the
// tasks it plans for other workers keep their retries and timeout. ok is false for a name
// that neither has.
func (c *Config) QueueOrDefault(name string) (q QueueConfig, ok bool) {
	if q, ok := c.Queues[name]; ok {
		return q, true
	}
	d, err := Load("", func(string) string { return "" })
	if err != nil {
		return QueueConfig{}, false
	}
	q, ok = d.Queues[name]
	return q, ok
}
