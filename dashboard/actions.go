package dashboard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Actions lists the names the fleet page posts to /actions/{action}.
func Actions() []string { return []string{"pause", "resume", "retry-archived", "purge-archived"} }

// actionResult is the JSON answer to an action asked for with Accept: application/json.
type actionResult struct {
	Action string `json:"action"`
	Queue  string `json:"queue"`
	// Count is how many tasks moved or were deleted; for pause and resume 1 when the state
	// changed, 0 when it already was so.
	Count int `json:"count"`
}

// serveAction runs one action on one of the fleet's queues (form field "queue", a queue name
// or a bare kind), then sends the browser back to the page. Read-only mode, missing credentials
// and cross-origin posts never get here.
func (h *Handler) serveAction(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	if !slices.Contains(Actions(), action) {
		http.Error(w, "unknown action "+strconv.Quote(action)+": use "+strings.Join(Actions(), ", "), http.StatusNotFound)
		return
	}
	queue := r.PostFormValue("queue")
	if !slices.Contains(h.ctl.Queues(), queue) {
		if q, err := h.ctl.Resolve(r.Context(), queue); err == nil && slices.Contains(h.ctl.Queues(), q) {
			queue = q
		} else {
			http.Error(w, "queue "+strconv.Quote(queue)+" is not one of this fleet's: "+strings.Join(h.ctl.Queues(), ", "), http.StatusBadRequest)
			return
		}
	}
	var (
		n   int
		err error
	)
	switch action {
	case "pause", "resume":
		var changed bool
		if action == "pause" {
			changed, err = h.ctl.Pause(r.Context(), queue)
		} else {
			changed, err = h.ctl.Resume(r.Context(), queue)
		}
		if changed {
			n = 1
		}
	case "retry-archived":
		n, err = h.ctl.RetryArchived(r.Context(), queue, r.PostFormValue("kind"))
	case "purge-archived":
		n, err = h.ctl.PurgeArchived(r.Context(), queue)
	}
	if err != nil {
		h.opts.Log.Error().Err(err).Str("action", action).Str("queue", queue).Msg("dashboard action failed")
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.opts.Log.Info().Str("action", action).Str("queue", queue).Int("count", n).Str("remote", r.RemoteAddr).Msg("dashboard action")
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(actionResult{Action: action, Queue: queue, Count: n})
		return
	}
	v := url.Values{"did": {action}, "queue": {queue}, "n": {strconv.Itoa(n)}}
	http.Redirect(w, r, "/?"+v.Encode(), http.StatusSeeOther)
}
