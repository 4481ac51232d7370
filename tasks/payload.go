package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Payload is what every task payload does: say its kind, validate itself, and name its TaskID.
type Payload interface {
	Kind() Kind
	Validate() error
	TaskID() string
	// AssetPath is the original file the task is about, for log lines and error messages.
	AssetPath() string
}

// ErrBadPayload marks a payload that does not decode or validate. The worker archives such a
// task at once: retrying cannot fix it.
var ErrBadPayload = errors.New("bad task payload")

// badPayload is a Decode failure: its text says what is wrong, and it matches ErrBadPayload.
type badPayload struct{ msg string }

func (e badPayload) Error() string { return e.msg }
func (e badPayload) Unwrap() error { return ErrBadPayload }

// MaxPayload is the largest payload a worker decodes, in bytes. Real payloads are a few
// hundred bytes (two paths of at most MaxPathLen each and a few short fields); a larger one
// is archived unread.
const MaxPayload = 16 << 10

// Decode unmarshals and validates a task payload of type P, which must be a pointer to a
// payload struct. Failures match ErrBadPayload.
func Decode[P Payload](data []byte, p P) error {
	if len(data) > MaxPayload {
		return badPayload{fmt.Sprintf("bad task payload: a %s payload of %d bytes, more than the %d a payload may have", p.Kind(), len(data), MaxPayload)}
	}
	if err := json.Unmarshal(data, p); err != nil {
		return badPayload{fmt.Sprintf("bad task payload: %s payload does not decode: %v", p.Kind(), err)}
	}
	if err := p.Validate(); err != nil {
		return badPayload{fmt.Sprintf("bad task payload: %s payload for %.300q is invalid: %v", p.Kind(), p.AssetPath(), err)}
	}
	return nil
}

// Options are the enqueue settings the fleet applies to every task of one kind.
type Options struct {
	// Prefix is the queue prefix (configs queue_prefix).
	Prefix string
	// MaxRetry bounds the retries of transient failures; 0 means none (the task is archived
	// after its first failure).
	MaxRetry int
	// Timeout bounds one run of the task.
	Timeout time.Duration
}

// Envelope is a task ready to send: its type, JSON body, queue, stable id and retry settings.
type Envelope struct {
	Type     string
	Body     []byte
	Queue    string
	ID       string
	MaxRetry int
	Timeout  time.Duration
}

// Seal validates a payload and puts it in its envelope.
func Seal(p Payload, o Options) (Envelope, error) {
	if err := p.Validate(); err != nil {
		return Envelope{}, fmt.Errorf("%s task for %q: %w", p.Kind(), p.AssetPath(), err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("encoding %s payload: %w", p.Kind(), err)
	}
	if len(body) > MaxPayload {
		return Envelope{}, fmt.Errorf("%s task for %q: its payload is %d bytes, more than the %d a payload may have", p.Kind(), p.AssetPath(), len(body), MaxPayload)
	}
	return Envelope{Type: p.Kind().TypeName(), Body: body, Queue: QueueName(o.Prefix, p.Kind()), ID: p.TaskID(),
		MaxRetry: o.MaxRetry, Timeout: o.Timeout}, nil
}

func validateModelVersion(v string) error {
	if v == "" {
		return errors.New("model_version is empty")
	}
	for _, c := range v {
		if c == ':' || c == ' ' {
			return fmt.Errorf("model_version %q contains %q", v, c)
		}
	}
	return nil
}
