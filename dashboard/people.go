package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/mediafleet/mediafleet/catalog/store"
	"github.com/mediafleet/mediafleet/inference/facecrop"
)

//go:embed people.html
var peopleFS embed.FS

// Crop settings of the people page.
const (
	peopleCropEdge = 160
	peopleCropJPEG = 85
	// facesShown is how many faces and files a person's card shows on the list.
	facesShown = 12
)

// personCard is one person as the people page shows it.
type personCard struct {
	store.Person
	Label string
	Faces []faceTile
	Files []string
	More  int // faces not shown
}

// faceTile is one face crop on the page.
type faceTile struct {
	URL, Title string
	// File opens the face in the results view; empty when the dashboard has none.
	File string
}

type peopleData struct {
	Persons []personCard
	One     bool
	Problem string
}

// peoplePages serves the people page, one person's page and the face crops they show.
type peoplePages struct {
	st   store.PersonStore
	page *template.Template
	// results says the results view is served, so a face links to its file there.
	results bool
	pictures
}

func newPeoplePages(st store.PersonStore, results bool) (*peoplePages, error) {
	t, err := template.New("people.html").Funcs(template.FuncMap{"monitoring": func() string { return MonitoringPath + "/" }}).
		ParseFS(peopleFS, "people.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: people page template: %w", err)
	}
	return &peoplePages{st: st, page: t, results: results}, nil
}

func (pp *peoplePages) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /people", pp.serveList)
	mux.HandleFunc("GET /people/{id}", pp.servePerson)
	mux.HandleFunc("GET /people/{id}/face", pp.serveCrop)
	mux.HandleFunc("GET /api/people", pp.serveJSON)
}

func (pp *peoplePages) card(p *store.Person, limit int) personCard {
	c := personCard{Person: *p, Label: p.Name}
	if c.Label == "" {
		c.Label = fmt.Sprintf("Person %d", p.ID)
	}
	seen := map[string]bool{}
	for i, f := range p.Faces {
		if !seen[f.Path] {
			seen[f.Path] = true
			if limit <= 0 || len(c.Files) < limit {
				c.Files = append(c.Files, f.Path)
			}
		}
		if limit > 0 && i >= limit {
			c.More++
			continue
		}
		q := url.Values{"asset": {f.AssetKey}, "frame": {strconv.Itoa(f.Frame)}, "index": {strconv.Itoa(f.Index)}}
		title := f.Path
		if f.Frame > 0 {
			title += fmt.Sprintf(" (keyframe %d)", f.Frame)
		}
		tile := faceTile{URL: fmt.Sprintf("/people/%d/face?%s", p.ID, q.Encode()), Title: title}
		if pp.results {
			tile.File = fileURL(f.AssetKey) + "#" + faceID(f.Frame, f.Index)
		}
		c.Faces = append(c.Faces, tile)
	}
	sort.Strings(c.Files)
	return c
}

func (pp *peoplePages) render(w http.ResponseWriter, d peopleData) {
	var buf bytes.Buffer
	if err := pp.page.Execute(&buf, d); err != nil {
		http.Error(w, "rendering the people page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (pp *peoplePages) serveList(w http.ResponseWriter, r *http.Request) {
	var d peopleData
	list, err := pp.st.ListPersons(r.Context(), "")
	if err != nil {
		d.Problem = err.Error()
	}
	for _, p := range list {
		full, err := pp.st.GetPerson(r.Context(), p.ID)
		if err != nil {
			d.Problem = err.Error()
			continue
		}
		d.Persons = append(d.Persons, pp.card(full, facesShown))
	}
	pp.render(w, d)
}

func (pp *peoplePages) servePerson(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	p, err := pp.st.GetPerson(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, fmt.Sprintf("no person %d", id), http.StatusNotFound)
		return
	}
	d := peopleData{One: true}
	if err != nil {
		d.Problem = err.Error()
	} else {
		d.Persons = []personCard{pp.card(p, 0)}
	}
	pp.render(w, d)
}

func (pp *peoplePages) serveJSON(w http.ResponseWriter, r *http.Request) {
	list, err := pp.st.ListPersons(r.Context(), "")
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	if list == nil {
		list = []store.Person{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = jsonEncode(w, list)
}

// serveCrop cuts one face of a person out of the image it was found in. Only faces the store
// holds for that person are served: the request picks one, it never names a file.
func (pp *peoplePages) serveCrop(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	q := r.URL.Query()
	frame, err2 := strconv.Atoi(q.Get("frame"))
	idx, err3 := strconv.Atoi(q.Get("index"))
	if err != nil || err2 != nil || err3 != nil || q.Get("asset") == "" {
		http.NotFound(w, r)
		return
	}
	key := fmt.Sprintf("%d/%s/%d/%d", id, q.Get("asset"), frame, idx)
	if b := pp.cached(key); b != nil {
		writeJPEG(w, b)
		return
	}
	p, err := pp.st.GetPerson(r.Context(), id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	for _, f := range p.Faces {
		if f.AssetKey != q.Get("asset") || f.Frame != frame || f.Index != idx {
			continue
		}
		src, _ := pp.st.(frameSource)
		img, err := pp.picture(r.Context(), src, f.AssetKey, f.Frame, f.Image)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		b, err := img.JPEG(facecrop.Box{X: float64(f.BBox[0]), Y: float64(f.BBox[1]), W: float64(f.BBox[2] - f.BBox[0]),
			H: float64(f.BBox[3] - f.BBox[1])}, peopleCropEdge, peopleCropJPEG)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		pp.remember(key, b)
		writeJPEG(w, b)
		return
	}
	http.NotFound(w, r)
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
