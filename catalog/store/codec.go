package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// encodeEmbedding packs an embedding as little-endian float32; nil for none.
func encodeEmbedding(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// decodeEmbedding unpacks what encodeEmbedding packed.
func decodeEmbedding(b []byte) ([]float32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("embedding of %d bytes is not a whole number of float32", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// encodeJSON renders a bbox or landmarks array; float32 values survive the round trip.
func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeJSON parses what encodeJSON rendered into dst.
func decodeJSON(s string, dst any) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("stored %q does not decode: %w", s, err)
	}
	return nil
}

// unixNano stores a time; the zero time is 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano reads what unixNano stored.
func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// durationMS stores a duration as (fractional) milliseconds.
func durationMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fromDurationMS reads what durationMS stored, to the nanosecond.
func fromDurationMS(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}
