package upload_test

import (
	"reflect"
	"strings"
	"testing"

	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/upload"
)

// befolkningRows is a valid befolkning file's rows below its header, the
// two merged districts given as their former districts.
const befolkningRows = "Rinkeby-Kista;47 000\nSpånga-Tensta;39 000\nHässelby-Vällingby;75000\nBromma;80000\nKungsholmen;70000\n" +
	"Norrmalm;70000\nÖstermalm;72000\nSödermalm;130000\nEnskede-Årsta-Vantör;110000\nSkarpnäck;50000\nFarsta;60000\n" +
	"Hägersten-Älvsjö;110000\nSkärholmen;38000\n"

// TestReadAggregates reads the three aggregate datasets: a header of two
// columns, former districts added up, any spelling of a category.
func TestReadAggregates(t *testing.T) {
	f, err := upload.Read("uploads/befolkning/2022/scb.csv", []byte("Folkmängd per stadsdel 31 december\n\nStadsdelsnämnd;Folkmängd\n"+befolkningRows))
	if err != nil {
		t.Fatal(reportText(err))
	}
	if f.Dataset != upload.Befolkning || f.Dialect.HeaderRow != 3 || len(f.Befolkning) != 11 ||
		f.Befolkning[0] != (v1.BefolkningCell{Namnd: "jarva", AntalInvanare: 86000}) ||
		f.Befolkning[4] != (v1.BefolkningCell{Namnd: "norra_innerstaden", AntalInvanare: 142000}) {
		t.Errorf("befolkning read as %+v, header row %d", f.Befolkning, f.Dialect.HeaderRow)
	}
	f, err = upload.Read("sfb_2024.csv", []byte("År,Kön,Antal personer\n2024,kvinna,853\n2024,M,1010\n"))
	if err != nil {
		t.Fatal(reportText(err))
	}
	if want := []v1.SFBCell{{Kon: "K", AntalPersoner: 853}, {Kon: "M", AntalPersoner: 1010}}; f.Dataset != upload.SFB || !reflect.DeepEqual(f.SFB, want) {
		t.Errorf("sfb read as %s %+v", f.Dataset, f.SFB)
	}
	lov := "Insats;Antal utförare\nledsagar_avlosarservice;75\nKorttidshem;32\nKORTTIDSTILLSYN;9\n" +
		"Bostad med särskild service för barn och unga;4\nBostad med särskild service vuxna;6\nDaglig verksamhet;0\n"
	f, err = upload.Read("uploads/lov/2024/lov.csv", []byte(lov))
	if err != nil {
		t.Fatal(reportText(err))
	}
	if f.Dataset != upload.Lov || len(f.Lov) != 6 || f.Lov[2] != (v1.LovCell{Insats: "korttidstillsyn", AntalVerksamheter: 9}) || f.Lov[5].AntalVerksamheter != 0 {
		t.Errorf("lov read as %s %+v", f.Dataset, f.Lov)
	}
}

// TestAggregateRejected: the aggregates are held to the contract's rules
// and to the limits every upload has.
func TestAggregateRejected(t *testing.T) {
	for _, c := range []struct {
		name, key, data string
		reason          upload.Reason
	}{
		{"former and new name", "uploads/befolkning/2022/b.csv", "Nämnd;Antal invånare\nJärva;86000\n" + befolkningRows, upload.ReasonDuplicateRow},
		{"former twice", "uploads/befolkning/2022/b.csv", "Nämnd;Antal invånare\nRinkeby-Kista;1000\n" + befolkningRows, upload.ReasonDuplicateRow},
		{"kön twice", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;1\nKvinnor;2\nM;3\n", upload.ReasonDuplicateRow},
		{"missing kön", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;1\n", upload.ReasonMissingRow},
		{"implausible", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;100001\nM;3\n", upload.ReasonOutOfRange},
		{"decimals", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;1,5\nM;3\n", upload.ReasonWrongType},
		{"no rows", "uploads/lov/2024/l.csv", "Insats;Antal verksamheter\n", upload.ReasonNoRows},
		{"quarter", "uploads/sfb/2024-Q2/s.csv", "Kön;Antal personer\nK;1\nM;3\n", upload.ReasonWrongPeriod},
		{"person id", "uploads/sfb/2024/s.csv", "Person-id;Kön;Antal personer\nP1;K;1\nP2;M;3\n", upload.ReasonUnknownColumn},
		{"personnummer column", "uploads/sfb/2024/s.csv", "Personnummer;Kön;Antal personer\n;K;1\n;M;3\n", upload.ReasonUnknownColumn},
		{"huge cell", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;" + strings.Repeat("1", upload.MaxCellBytes+1) + "\nM;3\n", upload.ReasonTooLarge},
		{"too wide", "uploads/sfb/2024/s.csv", "Kön;Antal personer\nK;1" + strings.Repeat(";", upload.MaxColumns) + "x\nM;3\n", upload.ReasonTooLarge},
		{"future year", "uploads/lov/2099/l.csv", "Insats;Antal verksamheter\nKorttidshem;3\n", upload.ReasonOutOfRange},
		{"no header", "uploads/sfb/2024/s.csv", "K;1\nM;3\n", upload.ReasonNoHeader},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := upload.Read(c.key, []byte(c.data))
			r, ok := upload.AsReport(err)
			if f != nil || !ok {
				t.Fatalf("not rejected (error %v)", err)
			}
			if r.Counts[c.reason] == 0 {
				t.Errorf("no %s:\n%s", c.reason, r)
			}
		})
	}
}
