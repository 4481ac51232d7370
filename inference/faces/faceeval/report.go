package faceeval

import (
	"context"
	"fmt"
	"strings"

	"github.com/mediafleet/mediafleet/inference/faces"
)

// MatchIoU is the overlap a detection needs with a labelled face to count as finding it.
const MatchIoU = 0.4

// Finder finds the faces of one image file (faces.Pipeline does).
type Finder interface {
	ProcessFile(ctx context.Context, path string) (*faces.Result, error)
}

// Row is the count for one category.
type Row struct {
	Category string `json:"category"`
	Images   int    `json:"images"`
	Labelled int    `json:"labelled"` // faces in the labels
	Found    int    `json:"found"`    // labelled faces a detection matched
	False    int    `json:"false"`    // detections that match no labelled face (outside ignore regions)
	Rejected int    `json:"rejected"` // detections the second check turned away
}

// Precision is found / (found + false); 1 when nothing was detected.
func (r Row) Precision() float64 {
	if r.Found+r.False == 0 {
		return 1
	}
	return float64(r.Found) / float64(r.Found+r.False)
}

// Recall is found / labelled; 1 when nothing is labelled.
func (r Row) Recall() float64 {
	if r.Labelled == 0 {
		return 1
	}
	return float64(r.Found) / float64(r.Labelled)
}

// Miss is a labelled face no detection matched, or a detection that matched nothing.
type Miss struct {
	File  string     `json:"file"`
	Box   [4]float32 `json:"box"`
	False bool       `json:"false"` // a false face (else a face not found)
	Score float32    `json:"score,omitempty"`
}

// Report is one configuration's results over the set.
type Report struct {
	Rows   []Row  `json:"rows"`
	Misses []Miss `json:"misses"`
}

// Row returns the row of a category.
func (r *Report) Row(category string) Row {
	for _, row := range r.Rows {
		if row.Category == category {
			return row
		}
	}
	return Row{Category: category}
}

// Evaluate runs f over every picture of the set and counts, per category, the labelled
// faces found (a detection overlapping by MatchIoU, each used once, best score first) and
// the false faces.
func Evaluate(ctx context.Context, f Finder, set *Set) (*Report, error) {
	rows := map[string]*Row{}
	rep := &Report{}
	for _, im := range set.Images {
		res, err := f.ProcessFile(ctx, im.File)
		if err != nil {
			return nil, err
		}
		row := rows[im.Category]
		if row == nil {
			row = &Row{Category: im.Category}
			rows[im.Category] = row
		}
		row.Images++
		row.Labelled += len(im.Faces)
		row.Rejected += res.Rejected
		used := make([]bool, len(im.Faces))
		for _, d := range res.Faces {
			b := [4]float32{d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2}
			best, bestIoU := -1, float32(MatchIoU)
			for i, l := range im.Faces {
				if o := iou(b, l); !used[i] && o >= bestIoU {
					best, bestIoU = i, o
				}
			}
			switch {
			case best >= 0:
				used[best] = true
				row.Found++
			case !ignored(b, im.Ignore):
				row.False++
				rep.Misses = append(rep.Misses, Miss{File: im.File, Box: b, False: true, Score: d.Score})
			}
		}
		for i, u := range used {
			if !u {
				rep.Misses = append(rep.Misses, Miss{File: im.File, Box: im.Faces[i]})
			}
		}
	}
	for _, c := range Categories {
		if r := rows[c]; r != nil {
			rep.Rows = append(rep.Rows, *r)
		}
	}
	return rep, nil
}

// ignored reports a box whose centre lies in one of the regions.
func ignored(b [4]float32, regions [][4]float32) bool {
	cx, cy := (b[0]+b[2])/2, (b[1]+b[3])/2
	for _, r := range regions {
		if cx >= r[0] && cx < r[2] && cy >= r[1] && cy < r[3] {
			return true
		}
	}
	return false
}

func iou(a, b [4]float32) float32 {
	iw := min(a[2], b[2]) - max(a[0], b[0])
	ih := min(a[3], b[3]) - max(a[1], b[1])
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / ((a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter)
}

// Table prints the reports side by side, one row per category: for each configuration
// precision, recall, faces found of labelled, false faces and faces the second check
// rejected.
func Table(names []string, reps []*Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| category | images | labelled |")
	for _, n := range names {
		fmt.Fprintf(&b, " %s precision | %s recall | %s found | %s false | %s rejected |", n, n, n, n, n)
	}
	b.WriteString("\n|---|---:|---:|")
	for range names {
		b.WriteString("---:|---:|---:|---:|---:|")
	}
	b.WriteString("\n")
	for _, c := range Categories {
		first := reps[0].Row(c)
		fmt.Fprintf(&b, "| %s | %d | %d |", c, first.Images, first.Labelled)
		for _, r := range reps {
			row := r.Row(c)
			fmt.Fprintf(&b, " %.2f | %.2f | %d | %d | %d |", row.Precision(), row.Recall(), row.Found, row.False, row.Rejected)
		}
		b.WriteString("\n")
	}
	return b.String()
}
