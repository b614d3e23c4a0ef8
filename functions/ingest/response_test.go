package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/upload"
)

// TestResponseFitsLambda: however many uploads a run rejects, with
// reports as large as they get, the function's response stays far below
// Lambda's 6 MB; a few reports are returned whole.
func TestResponseFitsLambda(t *testing.T) {
	report := func(i int) *upload.Report {
		r := &upload.Report{File: fmt.Sprintf("uploads/kbf/2024/%d.csv", i), Counts: map[upload.Reason]int{upload.ReasonUnknownCode: upload.MaxProblems}}
		for range upload.MaxProblems {
			r.Problems = append(r.Problems, upload.Problem{Row: 2, Column: "Nämnd", Value: strings.Repeat("x", upload.MaxValueRunes),
				Reason: upload.ReasonUnknownCode, Message: strings.Repeat("y", 500)})
		}
		return r
	}
	few := ingest.Result{Rejected: []*upload.Report{report(0), report(1)}}
	if got := response(few); len(got.Rejected[1].Problems) != upload.MaxProblems {
		t.Errorf("two reports were cut")
	}
	var many ingest.Result
	for i := range 1000 {
		many.Rejected = append(many.Rejected, report(i))
	}
	b, err := json.Marshal(response(many))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2<<20 {
		t.Errorf("the response of a run rejecting 1000 uploads has %d bytes", len(b))
	}
	if len(many.Rejected[0].Problems) != upload.MaxProblems {
		t.Error("response changed the run's own reports")
	}
	r := response(many).Rejected[0]
	if len(r.Problems) != 1 || r.More != upload.MaxProblems-1 {
		t.Errorf("a cut report lists %d problems, %d more", len(r.Problems), r.More)
	}
}
