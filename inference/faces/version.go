package faces

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// pipelineRevision names the way results are made from the settings (decoding, the
// pyramid, landmark refinement, alignment); raise it when that changes what is stored.
const pipelineRevision = 2

// Version is the model version recorded with every face this configuration stores: the
// embedder's version and a digest of every setting that changes what is stored (detector
// score and overlap thresholds, the smallest face kept and the smallest face searched for,
// the second check, the embedder's input contract) and of nothing else (threads, batching,
// pixel and memory limits, devices and file locations), so that a changed setting redoes
// exactly the work it changes and an unchanged one nothing.
func (c Config) Version() string {
	c = c.withDefaults()
	e := c.Embedder
	shaping := fmt.Sprintf("r%d|score=%g|nms=%g|minsize=%d|minface=%d|check=%g,%g,%g|emb=%d,%s,%v,%v,%d",
		pipelineRevision, c.ScoreThreshold, c.NMSIoU, c.MinFaceSize, c.MinFacePx,
		c.Check.MaxMirrorGap, c.Check.MinBoxAgreement, c.Check.MinEmbeddingNorm,
		e.InputSize, e.ChannelOrder, e.Mean, e.Std, e.Dim)
	h := sha256.Sum256([]byte(shaping))
	return e.Version + "-" + hex.EncodeToString(h[:3])
}
