package asynqwire

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// asynq.Client's defaults for options not given (client.go).
const (
	// DefaultMaxRetry is the retry count asynq.Client gives a task without MaxRetry.
	DefaultMaxRetry = 25
	// DefaultTimeout is the timeout asynq.Client gives a task with neither Timeout nor Deadline.
	DefaultTimeout = 30 * time.Minute
)

// Message is the part of asynq's TaskMessage that a new task carries.
type Message struct {
	// Type is the task's type name (field 1).
	Type string
	// Payload is the task's body (field 2).
	Payload []byte
	// ID is the task id, unique within its queue (field 3).
	ID string
	// Queue is the queue name (field 4).
	Queue string
	// Retry is how many times the task may be retried (field 5).
	Retry int
	// Timeout is how long one run may take, whole seconds (field 8); 0 is none.
	Timeout time.Duration
	// Deadline is when the task must be done by, whole seconds (field 9); zero is none.
	Deadline time.Time
	// Retention is how long a completed task is kept, whole seconds (field 12); 0 is not kept.
	Retention time.Duration
}

// Options are what a caller of asynq.Client may give a task; NewMessage applies asynq's
// defaults to them as asynq.Client.EnqueueContext does.
type Options struct {
	// MaxRetry as asynq.MaxRetry; 0 or less is DefaultMaxRetry here, as when asynq.MaxRetry is
	// not given (see NoRetry).
	MaxRetry int
	// NoRetry as asynq.MaxRetry(0): the task is archived after its first failure; MaxRetry is
	// then ignored.
	NoRetry bool
	// Timeout as asynq.Timeout; 0 is none given.
	Timeout time.Duration
	// Deadline as asynq.Deadline; zero is none given.
	Deadline time.Time
	// Retention as asynq.Retention; 0 is none given.
	Retention time.Duration
}

// NewMessage is the message asynq.Client.EnqueueContext builds for a task of type typ with
// payload, queue, id and options o: without MaxRetry the retry count is DefaultMaxRetry;
// without Timeout and Deadline the timeout is DefaultTimeout.
func NewMessage(typ string, payload []byte, queue, id string, o Options) Message {
	m := Message{Type: typ, Payload: payload, ID: id, Queue: queue, Retry: o.MaxRetry,
		Timeout: o.Timeout, Deadline: o.Deadline, Retention: o.Retention}
	switch {
	case o.NoRetry:
		m.Retry = 0
	case m.Retry <= 0:
		m.Retry = DefaultMaxRetry
	}
	if m.Timeout == 0 && m.Deadline.IsZero() {
		m.Timeout = DefaultTimeout
	}
	return m
}

// Encode is asynq's base.EncodeMessage of m: the protobuf TaskMessage with its fields in
// field-number order and zero values left out, as proto3 marshals them.
func (m Message) Encode() []byte {
	b := make([]byte, 0, 64+len(m.Payload)+len(m.ID)+len(m.Type)+len(m.Queue))
	b = appendString(b, 1, m.Type)
	if len(m.Payload) > 0 {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, m.Payload)
	}
	b = appendString(b, 3, m.ID)
	b = appendString(b, 4, m.Queue)
	b = appendVarint(b, 5, int64(int32(m.Retry)))
	b = appendVarint(b, 8, int64(m.Timeout.Seconds()))
	if !m.Deadline.IsZero() {
		b = appendVarint(b, 9, m.Deadline.Unix())
	}
	b = appendVarint(b, 12, int64(m.Retention.Seconds()))
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// Decode reads the fields of Message out of an encoded TaskMessage, skipping the others
// (retried, error, headers...). It fails on bytes that are not a protobuf message.
func Decode(b []byte) (Message, error) {
	var m Message
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return Message{}, fmt.Errorf("task message: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var raw []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			raw, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return Message{}, fmt.Errorf("task message field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		switch num {
		case 1:
			m.Type = string(raw)
		case 2:
			m.Payload = append([]byte(nil), raw...)
		case 3:
			m.ID = string(raw)
		case 4:
			m.Queue = string(raw)
		case 5:
			m.Retry = int(int32(v))
		case 8:
			m.Timeout = time.Duration(int64(v)) * time.Second
		case 9:
			if int64(v) != 0 {
				m.Deadline = time.Unix(int64(v), 0)
			}
		case 12:
			m.Retention = time.Duration(int64(v)) * time.Second
		}
	}
	if m.Type == "" {
		return Message{}, errors.New("task message has no type")
	}
	return m, nil
}
