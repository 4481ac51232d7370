package captions

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Version names the backend, the model and the settings that change what a caption says (the
// prompt, defaults applied, and the image's longest edge): results are keyed by it, so a new
// prompt or model is a new version. The prompt counts for vlmcaption too, whose server ignores
// it, so that versions stay what they were when it was always set.
func (c Config) Version() string {
	c = c.withDefaults()
	prompt := cmp.Or(c.Prompt, DefaultPrompt)
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", prompt, c.MaxEdge))
	model := cmp.Or(c.Model, "default")
	clean := strings.NewReplacer(":", "_", " ", "_", "/", "_").Replace(model)
	return fmt.Sprintf("%s-%s-%s", c.Backend, clean, hex.EncodeToString(h[:3]))
}
