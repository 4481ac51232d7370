package tasks

import (
	"fmt"
	"strings"
)

// Kind names one kind of work. It is also the bare queue name of that work.
type Kind string

// The kinds of work mediafleet knows.
const (
	Keyframes Kind = "keyframes"
	Faces     Kind = "faces"
	Captions  Kind = "captions"
	// Persons groups the stored faces of one model version into persons. It is not planned
	// per asset: faces workers plan it once their faces are stored.
	Persons Kind = "persons"
)

// AllKinds lists every kind in pipeline order: each has its own queue.
func AllKinds() []Kind { return []Kind{Keyframes, Faces, Captions, Persons} }

// AssetKinds lists the kinds planned per asset by the enqueuer, in pipeline order.
func AssetKinds() []Kind { return []Kind{Keyframes, Faces, Captions} }

// ParseKind turns a user-given name into a Kind, refusing names it does not know.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.TrimSpace(strings.ToLower(s)))
	switch k {
	case Keyframes, Faces, Captions, Persons:
		return k, nil
	}
	return "", fmt.Errorf("unknown task kind %q: use keyframes, faces, captions or persons", s)
}

// ParseKinds parses a comma-separated list of the kinds planned per asset; an empty list
// means all of them. Persons is refused: faces workers plan it, `mediafleet persons cluster`
// runs it at once.
func ParseKinds(s string) ([]Kind, error) {
	if strings.TrimSpace(s) == "" {
		return AssetKinds(), nil
	}
	var out []Kind
	seen := map[Kind]bool{}
	for _, part := range strings.Split(s, ",") {
		k, err := ParseKind(part)
		if err != nil {
			return nil, err
		}
		if k == Persons {
			return nil, fmt.Errorf("persons is not planned per asset: faces workers plan it once faces are stored, and `mediafleet persons cluster` runs it now")
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// TypeName is the asynq task type of this kind.
func (k Kind) TypeName() string { return "mediafleet:" + string(k) }

// KindOfType maps an asynq task type back to its Kind.
func KindOfType(typeName string) (Kind, bool) {
	k, ok := strings.CutPrefix(typeName, "mediafleet:")
	if !ok {
		return "", false
	}
	kind, err := ParseKind(k)
	return kind, err == nil
}

// QueueName is the Redis queue that carries this kind of work under the given prefix. Several
// libraries or test runs share one Redis by using different prefixes.
func QueueName(prefix string, k Kind) string {
	if prefix == "" {
		return string(k)
	}
	return prefix + ":" + string(k)
}

// KindOfQueue maps a queue name back to its kind, given the prefix in use.
func KindOfQueue(prefix, queue string) (Kind, bool) {
	if prefix != "" {
		var ok bool
		if queue, ok = strings.CutPrefix(queue, prefix+":"); !ok {
			return "", false
		}
	}
	k, err := ParseKind(queue)
	return k, err == nil
}
