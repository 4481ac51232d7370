package captions

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path"
	"strings"
)

// OpenAI captions through the OpenAI chat-completions API as vLLM, Ollama, the llama.cpp
// server and LM Studio serve it.
type OpenAI struct {
	c *client
}

var _ Captioner = (*OpenAI)(nil)

// NewOpenAI builds the openai backend; cfg.Backend may be left empty.
func NewOpenAI(cfg Config, opts Options) (*OpenAI, error) {
	cfg.Backend = BackendOpenAI
	c, err := newClient(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &OpenAI{c: c}, nil
}

// Name is "openai:<model>".
func (o *OpenAI) Name() string { return BackendOpenAI + ":" + o.c.cfg.Model }

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	Temperature float64       `json:"temperature"`
	Stream      bool          `json:"stream"`
}

type chatMessage struct {
	Role    string     `json:"role"`
	Content []chatPart `json:"content"`
}

type chatPart struct {
	Type     string        `json:"type"`
	Text     string        `json:"text,omitempty"`
	ImageURL *chatImageURL `json:"image_url,omitempty"`
}

type chatImageURL struct {
	URL string `json:"url"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			// Content is a string in most servers, null when the model wrote nothing and,
			// in a few, an array of parts.
			Content          json.RawMessage `json:"content"`
			ReasoningContent string          `json:"reasoning_content"`
			Reasoning        string          `json:"reasoning"`
			Refusal          string          `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// Caption sends the image as a base64 JPEG data URL after the prompt and returns
// choices[0].message.content.
func (o *OpenAI) Caption(ctx context.Context, imagePath string) (*Caption, error) {
	return o.c.caption(ctx, imagePath, func(ctx context.Context, jpeg []byte) (*Caption, error) {
		body, err := json.Marshal(chatRequest{
			Model: o.c.cfg.Model,
			Messages: []chatMessage{{Role: "user", Content: []chatPart{
				{Type: "text", Text: o.c.cfg.Prompt},
				{Type: "image_url", ImageURL: &chatImageURL{URL: "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(jpeg)}},
			}}},
			MaxTokens:   o.c.cfg.MaxTokens,
			Temperature: o.c.cfg.Temperature,
		})
		if err != nil {
			return nil, o.c.replyError(imagePath, &response{}, "cannot encode request: "+err.Error())
		}
		r, err := o.c.do(ctx, imagePath, request{method: http.MethodPost, endpoint: "/v1/chat/completions",
			contentType: "application/json", body: body, limited: true})
		if err != nil {
			return nil, err
		}
		if r.status/100 != 2 {
			return nil, o.c.statusError(imagePath, r)
		}
		return o.parse(imagePath, r)
	})
}

func (o *OpenAI) parse(imagePath string, r *response) (*Caption, error) {
	var v chatResponse
	if err := json.Unmarshal(r.body, &v); err != nil {
		return nil, o.c.replyError(imagePath, r, "reply is not chat-completion JSON: "+truncate(string(r.body)))
	}
	if len(v.Choices) == 0 {
		if len(v.Error) > 0 {
			e := o.c.statusError(imagePath, r)
			e.Message = "reply carries an error instead of choices: " + e.Message
			e.Permanent = !e.OutOfMemory
			return nil, e
		}
		return nil, o.c.replyError(imagePath, r, "reply has no choices: "+truncate(string(r.body)))
	}
	ch := v.Choices[0]
	text, ok := contentText(ch.Message.Content)
	if !ok {
		return nil, o.c.replyError(imagePath, r, "reply content is neither text nor text parts: "+truncate(string(ch.Message.Content)))
	}
	text = stripThinking(text)
	if text == "" {
		msg := "model returned an empty caption (finish_reason " + cmp.Or(ch.FinishReason, "missing") + ")"
		switch {
		case ch.Message.Refusal != "":
			msg += "; refusal: " + truncate(ch.Message.Refusal)
		case ch.Message.ReasoningContent != "" || ch.Message.Reasoning != "":
			msg += "; it spent its tokens reasoning: raise max tokens or turn thinking off"
		}
		return nil, o.c.replyError(imagePath, r, msg)
	}
	return &Caption{
		Text:    text,
		Model:   cmp.Or(v.Model, o.c.cfg.Model),
		Prompt:  o.c.cfg.Prompt,
		Backend: BackendOpenAI,
		Latency: r.latency,
	}, nil
}

// contentText reads message.content in its string, null and array-of-parts forms.
func contentText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" || p.Type == "output_text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), true
}

// stripThinking drops a <think>...</think> block that reasoning models emit when the server
// does not split it off, and trims the rest.
func stripThinking(s string) string {
	if i := strings.LastIndex(s, "</think>"); i >= 0 {
		s = s[i+len("</think>"):]
	} else if strings.HasPrefix(strings.TrimSpace(s), "<think>") {
		s = "" // cut off while still thinking
	}
	return strings.TrimSpace(s)
}

// Health lists the server's models with GET /v1/models.
func (o *OpenAI) Health(ctx context.Context) (HealthInfo, error) {
	info := HealthInfo{Backend: BackendOpenAI, URL: o.c.base}
	r, err := o.c.do(ctx, "", request{method: http.MethodGet, endpoint: "/v1/models"})
	if err != nil {
		return info, err
	}
	if r.status != http.StatusOK {
		return info, o.c.statusError("", r)
	}
	var v struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.Data == nil {
		return info, o.c.replyError("", r, "GET /v1/models did not answer a model list: "+truncate(string(r.body)))
	}
	info.Status = "ok"
	for _, m := range v.Data {
		info.Models = append(info.Models, m.ID)
	}
	info.ModelAvailable = modelListed(o.c.cfg.Model, info.Models)
	return info, nil
}

// modelListed matches a configured model against served ids, allowing Ollama's implied
// ":latest" tag and llama.cpp's file paths.
func modelListed(model string, ids []string) bool {
	if model == "" {
		return true
	}
	for _, id := range ids {
		base := strings.TrimSuffix(path.Base(id), ".gguf")
		if id == model || id == model+":latest" || base == model || path.Base(id) == model {
			return true
		}
	}
	return false
}
