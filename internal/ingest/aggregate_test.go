package ingest_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// TestAggregateUploadReplacesPeriod: an upload of befolkning 2024
// replaces that year's inhabitants and nothing else; lov and sfb, the
// other years and the microdata stay as served.
func TestAggregateUploadReplacesPeriod(t *testing.T) {
	st, err := dirstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	seedLake(t, st)
	old := served(t, st)
	want := make([]v1.BefolkningCell, len(old.Set.Befolkning[2024]))
	for i, c := range old.Set.Befolkning[2024] {
		want[i] = v1.BefolkningCell{Namnd: c.Namnd, AntalInvanare: c.AntalInvanare + int64(i) + 1}
	}
	data, err := uploadtest.Encode(&upload.File{Dataset: upload.Befolkning, Period: upload.Period{Year: 2024}, Befolkning: want},
		uploadtest.Style{Delimiter: ';', Thousands: " "})
	if err != nil {
		t.Fatal(err)
	}
	ingesttest.Put(t, st, "uploads/befolkning/2024/befolkning_2024.csv", data)
	res, err := ingest.Run(context.Background(), st, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || len(res.Rejected) > 0 {
		t.Fatalf("result %+v", res)
	}
	snap := served(t, st)
	if !reflect.DeepEqual(snap.Set.Befolkning[2024], want) {
		t.Errorf("befolkning 2024 is %v, want %v", snap.Set.Befolkning[2024], want)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"befolkning 2023", snap.Set.Befolkning[2023], old.Set.Befolkning[2023]},
		{"lov", snap.Set.Lov, old.Set.Lov},
		{"sfb", snap.Set.SFB, old.Set.SFB},
		{"insatser", snap.Set.Insatser, old.Set.Insatser},
		{"kbf", snap.Set.KBF, old.Set.KBF},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s changed", c.name)
		}
	}
}
