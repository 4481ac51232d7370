package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every kind's decoder and to ViewOf: nothing panics, a
// refusal is a bad payload that is archived at once, and whatever is accepted has a key and
// paths of the scheme and seals again into the same payload.
func FuzzDecode(f *testing.F) {
	key := AssetKey("", "/lib/a.jpg", 1, 2)
	for _, p := range []Payload{
		&KeyframesPayload{Asset: AssetRef{Key: key, Path: "/lib/v.mp4", Size: 10}, ModelVersion: "kf1"},
		&FacesPayload{FrameRef: FrameRef{Asset: AssetRef{Key: key, Path: "/lib/a.jpg"}, Image: "/lib/a.jpg", ModelVersion: "fr1"}},
		&CaptionsPayload{FrameRef: FrameRef{Asset: AssetRef{Key: key, Path: "/lib/v.mp4"}, Frame: 2, Image: "/data/k/0002.jpg", ModelVersion: "c1"}},
		&PersonsPayload{ModelVersion: "fr1", Due: 1700000000},
	} {
		body, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"asset":{"asset_key":"../../escape","path":"/lib/v.mp4"},"model_version":"kf1"}`))
	f.Add([]byte(`{"asset":{"asset_key":"h0123456789abcdef0123","path":"/lib/caf\ud800.jpg"},"image":"/x","model_version":"v"}`))
	f.Add([]byte("{nope"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(p Payload, err error) {
			if err != nil {
				if !errors.Is(err, ErrBadPayload) {
					t.Fatalf("a refusal that is not a bad payload: %v", err)
				}
				return
			}
			var key, paths = "", []string{}
			switch v := p.(type) {
			case *KeyframesPayload:
				key, paths = v.Asset.Key, []string{v.Asset.Path}
			case *FacesPayload:
				key, paths = v.Asset.Key, []string{v.Asset.Path, v.Image}
			case *CaptionsPayload:
				key, paths = v.Asset.Key, []string{v.Asset.Path, v.Image}
			}
			if key != "" || len(paths) > 0 {
				if err := CheckKey(key); err != nil {
					t.Fatalf("accepted a bad key: %v", err)
				}
				for _, path := range paths {
					if err := CheckPath("path", path); err != nil {
						t.Fatalf("accepted a bad path: %v", err)
					}
				}
			}
			env, err := Seal(p, Options{})
			if err != nil {
				t.Fatalf("a decoded payload does not seal again: %v", err)
			}
			again := newOf(p)
			if err := Decode(env.Body, again); err != nil {
				t.Fatalf("a sealed payload does not decode: %v", err)
			}
			b1, _ := json.Marshal(p)
			b2, _ := json.Marshal(again)
			if !bytes.Equal(b1, b2) {
				t.Fatalf("round trip changed the payload: %s vs %s", b1, b2)
			}
		}
		for _, p := range []Payload{&KeyframesPayload{}, &FacesPayload{}, &CaptionsPayload{}, &PersonsPayload{}} {
			check(p, Decode(data, p))
			if v, err := ViewOf(p.Kind().TypeName(), data); err == nil && v.Kind != p.Kind() {
				t.Fatalf("ViewOf says %s for a %s task", v.Kind, p.Kind())
			}
		}
	})
}

// newOf is a fresh payload of p's kind.
func newOf(p Payload) Payload {
	switch p.(type) {
	case *KeyframesPayload:
		return &KeyframesPayload{}
	case *FacesPayload:
		return &FacesPayload{}
	case *CaptionsPayload:
		return &CaptionsPayload{}
	}
	return &PersonsPayload{}
}
