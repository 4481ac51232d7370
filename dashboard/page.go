package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"
)

//go:embed fleet.html
var pageFS embed.FS

func parsePage() (*template.Template, error) {
	t, err := template.New("fleet.html").Funcs(template.FuncMap{
		"mib": func(b uint64) string { return strconv.FormatUint(b>>20, 10) + " MiB" },
		"pct": func(part, whole uint64) float64 {
			if whole == 0 {
				return 0
			}
			return 100 * float64(part) / float64(whole)
		},
		"ago": func(d time.Duration) string {
			if d < time.Minute {
				return d.Round(time.Second).String()
			}
			return d.Round(time.Minute).String()
		},
		"dur": func(d time.Duration) string {
			if d < time.Second {
				return d.Round(time.Millisecond).String()
			}
			return d.Round(time.Second).String()
		},
		"when":         func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
		"monitoring":   func() string { return MonitoringPath + "/" },
		"archivedLink": ArchivedLink,
	}).ParseFS(pageFS, "fleet.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: fleet page template: %w", err)
	}
	return t, nil
}

// pageData is the fleet page's template input: the fleet and a note about the last action.
type pageData struct {
	Fleet
	Flash string
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Fleet: h.snapshot(r.Context()), Flash: h.flash(r)}
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, d); err != nil {
		http.Error(w, "rendering the fleet page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(h.snapshot(r.Context()))
}

// flash is the note shown after an action, rebuilt from the redirect's query so the page never
// echoes text a link could choose.
func (h *Handler) flash(r *http.Request) string {
	q := r.URL.Query()
	queue := q.Get("queue")
	if !slices.Contains(h.ctl.Queues(), queue) {
		return ""
	}
	n, _ := strconv.Atoi(q.Get("n"))
	switch q.Get("did") {
	case "pause":
		if n == 0 {
			return queue + " was already paused."
		}
		return "Paused " + queue + ": workers take no new tasks from it; running ones finish."
	case "resume":
		if n == 0 {
			return queue + " was not paused."
		}
		return "Resumed " + queue + "."
	case "retry-archived":
		return fmt.Sprintf("Moved %d archived tasks of %s back to pending.", n, queue)
	case "purge-archived":
		return fmt.Sprintf("Deleted %d archived tasks of %s.", n, queue)
	}
	return ""
}
