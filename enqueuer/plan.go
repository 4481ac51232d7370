package enqueuer

import (
	"context"
	"fmt"
	"sync"

	"github.com/mediafleet/mediafleet/catalog"
	"github.com/mediafleet/mediafleet/tasks"
)

// planner turns batches of assets into tasks on the work channel.
type planner struct {
	e        *Enqueuer
	work     chan<- tasks.Envelope
	sum      *Summary
	mu       *sync.Mutex
	counters *counters
}

// appliesTo says which media a kind of work is planned for. Faces and captions of videos are
// planned per keyframe by the keyframes handler, once the frames exist.
func appliesTo(k tasks.Kind, m catalog.Media) bool {
	if k == tasks.Keyframes {
		return m == catalog.Video
	}
	return m == catalog.Image
}

func (p *planner) plan(ctx context.Context, batch []catalog.Asset) error {
	p.mu.Lock()
	p.sum.Assets += len(batch)
	p.mu.Unlock()
	for _, kind := range p.e.opt.Kinds {
		var todo []catalog.Asset
		for _, a := range batch {
			if appliesTo(kind, a.Media) {
				todo = append(todo, a)
			}
		}
		if len(todo) == 0 {
			continue
		}
		version := p.e.opt.Versions[kind]
		if version == "" {
			why := p.e.opt.Unavailable[kind]
			if why == "" {
				why = "no model version configured"
			}
			p.mu.Lock()
			p.sum.skip(fmt.Sprintf("%s: %s", kind, why), len(todo))
			p.mu.Unlock()
			continue
		}
		var done map[string]bool
		if !p.e.opt.All {
			keys := make([]string, len(todo))
			for i, a := range todo {
				keys[i] = a.Key()
			}
			var err error
			if done, err = p.e.done.Done(ctx, string(kind), version, keys); err != nil {
				return fmt.Errorf("asking the store what is done: %w", err)
			}
		}
		for _, a := range todo {
			if done[a.Key()] {
				p.mu.Lock()
				p.sum.AlreadyDone++
				p.mu.Unlock()
				continue
			}
			t, err := tasks.Seal(payloadFor(kind, a, version), p.e.opt.Task[kind])
			if err != nil {
				p.counters.fail(fmt.Errorf("%s: %w", a.Path, err))
				continue
			}
			p.mu.Lock()
			p.sum.Planned[string(kind)]++
			p.mu.Unlock()
			select {
			case p.work <- t:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func payloadFor(k tasks.Kind, a catalog.Asset, version string) tasks.Payload {
	ref := tasks.FrameRef{Asset: a.Ref(), Frame: 0, Image: a.Path, ModelVersion: version}
	switch k {
	case tasks.Keyframes:
		return &tasks.KeyframesPayload{Asset: a.Ref(), ModelVersion: version}
	case tasks.Faces:
		return &tasks.FacesPayload{FrameRef: ref}
	default:
		return &tasks.CaptionsPayload{FrameRef: ref}
	}
}
