// Package configs loads mediafleet's configuration: the embedded default.yaml, then a file given
// with --config, then MEDIAFLEET_* environment variables, then flags. Load validates everything
// and stops with a sentence that says what to fix; nothing falls back silently.
package configs
