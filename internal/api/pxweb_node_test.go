package api

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestPxWebJSONStatToolkit reads json-stat2 answers of the PxWeb
// endpoint with jsonstat-toolkit (npm, pinned in package.json), the
// JSON-stat reference client, and compares what it reads with the
// answers: every cell's value and status, the dimensions' categories and
// labels, the units of the contents variable, roles, label, source and
// notes. It fails, never skips, when Node.js or the package is missing.
func TestPxWebJSONStatToolkit(t *testing.T) {
	h := sampleHandler(t)
	paths := []string{
		"/tables/rapport-9-4/data",
		"/tables/rapport-ev-1/data",
		"/tables/insatser-namnd-insats-kon/data?valueCodes[namnd]=*&valueCodes[insats]=*&valueCodes[ContentsCode]=DECISIONS&valueCodes[Tid]=2024",
		"/tables/kbf-namnd-kon/data?valueCodes[namnd]=*&valueCodes[kon]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*",
	}
	var answers []json.RawMessage
	for _, p := range paths {
		answers = append(answers, pxOK(t, h, "GET", p, nil))
	}
	read := runJSONStatToolkit(t, answers)
	if len(read) != len(paths) {
		t.Fatalf("the toolkit read %d datasets of %d", len(read), len(paths))
	}
	for i, p := range paths {
		t.Run(p, func(t *testing.T) {
			var want pxJSONStat
			if err := json.Unmarshal(answers[i], &want); err != nil {
				t.Fatal(err)
			}
			got := read[i]
			if got.Error != "" {
				t.Fatalf("the toolkit: %s", got.Error)
			}
			if got.Class != "dataset" || got.Label != want.Label || got.Source != want.Source || len(got.Note) != len(want.Note) || got.N != len(want.Value) {
				t.Errorf("class %q label %q source %q notes %d n %d; want %q %q %d %d", got.Class, got.Label, got.Source, len(got.Note), got.N, want.Label, want.Source, len(want.Note), len(want.Value))
			}
			marks := 0
			for c, cell := range got.Cells {
				st := want.Status[strconv.Itoa(c)]
				if st != "" {
					marks++
				}
				switch {
				case want.Value[c] != nil:
					if cell.Value == nil || *cell.Value != *want.Value[c] || cell.Status != nil {
						t.Errorf("cell %d: toolkit %v %v, answer %v", c, cell.Value, cell.Status, *want.Value[c])
					}
				case cell.Value != nil || (st == "") != (cell.Status == nil) || cell.Status != nil && *cell.Status != st:
					t.Errorf("cell %d: toolkit %v %v, answer status %q", c, cell.Value, cell.Status, st)
				}
			}
			if marks == 0 && p != paths[3] {
				t.Errorf("no status in the answer: the case shows no mark")
			}
			for d, dim := range got.Dims {
				wd := want.Dimension[want.ID[d]]
				if dim.ID != want.ID[d] || dim.Label != wd.Label || len(dim.Categories) != want.Size[d] {
					t.Errorf("dimension %d: %s %q with %d categories; want %s %q %d", d, dim.ID, dim.Label, len(dim.Categories), want.ID[d], wd.Label, want.Size[d])
					continue
				}
				for k, c := range dim.Categories {
					if wd.Category.Index[c.ID] != k || c.Label != wd.Category.Label[c.ID] {
						t.Errorf("%s: category %d is %s %q", dim.ID, k, c.ID, c.Label)
					}
					if u, ok := wd.Category.Unit[c.ID]; ok && (c.Unit == nil || *c.Unit != u.Label) {
						t.Errorf("%s %s: unit %v, want %q", dim.ID, c.ID, c.Unit, u.Label)
					}
				}
				role := ""
				for r, ids := range want.Role {
					for _, id := range ids {
						if id == dim.ID {
							role = r
						}
					}
				}
				if role != "" && dim.Role != role {
					t.Errorf("%s: role %q, want %q", dim.ID, dim.Role, role)
				}
			}
		})
	}
}

// toolkitRead is what jsonstat-read.mjs prints of a dataset.
type toolkitRead struct {
	Error  string   `json:"error"`
	Class  string   `json:"class"`
	Label  string   `json:"label"`
	Source string   `json:"source"`
	Note   []string `json:"note"`
	N      int      `json:"n"`
	Dims   []struct {
		ID, Label, Role string
		Categories      []struct {
			ID, Label string
			Unit      *string
		}
	} `json:"dims"`
	Cells []struct {
		Value  *float64 `json:"value"`
		Status *string  `json:"status"`
	} `json:"cells"`
}

// runJSONStatToolkit runs testdata/jsonstat-read.mjs from the repository
// root over answers, installing the npm packages first if the toolkit is
// missing.
func runJSONStatToolkit(t *testing.T, answers []json.RawMessage) []toolkitRead {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found (%v): jsonstat-toolkit runs on Node.js >= 20; install Node.js and npm", err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "jsonstat-toolkit", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm not found (%v): it installs jsonstat-toolkit from package-lock.json; install npm or run `npm install` in %s", err, root)
		}
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install in %s: %v\n%s", root, err, b)
		}
	}
	in, err := json.Marshal(answers)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("internal", "api", "testdata", "jsonstat-read.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node jsonstat-read.mjs: %v\n%s", err, stderr.String())
	}
	var read []toolkitRead
	if err := json.Unmarshal(out, &read); err != nil {
		t.Fatalf("jsonstat-read.mjs printed something that is not its JSON: %v\n%.500s", err, out)
	}
	return read
}
