package captions

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
)

// VLMCaption captions through the vlmCaptionModels caption server (POST /caption, GET /health).
// That server chooses its own prompt and token budget, so Config.Prompt, MaxTokens and
// Temperature do not apply.
type VLMCaption struct {
	c *client
}

var _ Captioner = (*VLMCaption)(nil)

// NewVLMCaption builds the vlmcaption backend; cfg.Backend may be left empty.
func NewVLMCaption(cfg Config, opts Options) (*VLMCaption, error) {
	if cfg.Prompt != "" || cfg.Temperature != 0 {
		opts.Logger.Warn().Str("url", cfg.URL).
			Msg("the vlmcaption server chooses its own prompt and sampling; the configured prompt and temperature are not sent")
	}
	cfg.Backend = BackendVLMCaption
	c, err := newClient(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &VLMCaption{c: c}, nil
}

// Name is "vlmcaption", or "vlmcaption:<model>" when a model is configured.
func (v *VLMCaption) Name() string {
	if v.c.cfg.Model == "" {
		return BackendVLMCaption
	}
	return BackendVLMCaption + ":" + v.c.cfg.Model
}

type vlmCaptionReply struct {
	Caption        *string  `json:"caption"`
	Model          string   `json:"model"`
	Provider       string   `json:"provider"`
	GenerationTime *float64 `json:"generation_time_seconds"`
	Device         string   `json:"device"`
}

// Caption uploads the image as the multipart field "file" (typed image/jpeg: the server
// refuses parts that are not image/*).
func (v *VLMCaption) Caption(ctx context.Context, imagePath string) (*Caption, error) {
	return v.c.caption(ctx, imagePath, func(ctx context.Context, jpeg []byte) (*Caption, error) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		name := strings.TrimSuffix(filepath.Base(imagePath), filepath.Ext(imagePath)) + ".jpg"
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
		h.Set("Content-Type", "image/jpeg")
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = part.Write(jpeg)
		}
		if err == nil {
			err = mw.Close()
		}
		if err != nil {
			return nil, v.c.replyError(imagePath, &response{}, "cannot build upload: "+err.Error())
		}
		r, err := v.c.do(ctx, imagePath, request{method: http.MethodPost, endpoint: "/caption",
			contentType: mw.FormDataContentType(), body: buf.Bytes(), limited: true})
		if err != nil {
			return nil, err
		}
		if r.status/100 != 2 {
			return nil, v.c.statusError(imagePath, r)
		}
		var rep vlmCaptionReply
		if err := json.Unmarshal(r.body, &rep); err != nil || rep.Caption == nil {
			return nil, v.c.replyError(imagePath, r, "reply is not the caption server's JSON: "+truncate(string(r.body)))
		}
		text := strings.TrimSpace(*rep.Caption)
		if text == "" {
			return nil, v.c.replyError(imagePath, r, fmt.Sprintf("model %s returned an empty caption", cmp.Or(rep.Model, "(unnamed)")))
		}
		return &Caption{
			Text:    text,
			Model:   cmp.Or(rep.Model, v.c.cfg.Model, rep.Provider),
			Backend: BackendVLMCaption,
			Latency: r.latency,
			Device:  rep.Device,
		}, nil
	})
}

// Health asks GET /health (which answers 200 even when unhealthy, so its status is read) and
// GET /model-info for the loaded model's name.
func (v *VLMCaption) Health(ctx context.Context) (HealthInfo, error) {
	info := HealthInfo{Backend: BackendVLMCaption, URL: v.c.base}
	r, err := v.c.do(ctx, "", request{method: http.MethodGet, endpoint: "/health"})
	if err != nil {
		return info, err
	}
	if r.status != http.StatusOK {
		return info, v.c.statusError("", r)
	}
	var h struct {
		Status        string   `json:"status"`
		Error         string   `json:"error"`
		ModelsLoaded  []string `json:"models_loaded"`
		CurrentDevice string   `json:"current_device"`
		GPUDevice     string   `json:"gpu_device"`
	}
	if err := json.Unmarshal(r.body, &h); err != nil || h.Status == "" {
		return info, v.c.replyError("", r, "GET /health did not answer the caption server's JSON: "+truncate(string(r.body)))
	}
	info.Status = h.Status
	info.Device = strings.TrimSpace(h.CurrentDevice + " " + h.GPUDevice)
	info.Models = h.ModelsLoaded
	if h.Status != "healthy" {
		return info, v.c.newError("", r.status, "caption server says "+h.Status+": "+truncate(h.Error), nil)
	}
	if mi, err := v.c.do(ctx, "", request{method: http.MethodGet, endpoint: "/model-info"}); err == nil && mi.status == http.StatusOK {
		var m struct {
			ModelName string `json:"model_name"`
		}
		if json.Unmarshal(mi.body, &m) == nil && m.ModelName != "" {
			info.Models = []string{m.ModelName}
		}
	}
	info.ModelAvailable = modelListed(v.c.cfg.Model, info.Models)
	return info, nil
}
