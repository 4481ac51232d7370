package main

import (
	"fmt"
	"time"
)

func setDuration(dst *time.Duration, v, flag string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%s %q: use a duration such as 30s", flag, v)
	}
	*dst = d
	return nil
}
