package main

import (
	"encoding/json"
	"fmt"
	"os"
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

// printJSON writes v to stdout as one indented JSON document, the --json contract.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
