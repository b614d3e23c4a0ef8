package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stockholm/insyn/internal/ingest/ingesttest"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/testenv/lambdart"
)

// Finding 12: the command exited 0 when every upload was rejected. It
// exits 0 when all were accepted, 2 when the run rejected any, and 1 when
// the run failed; the reports are on stderr.
func TestExitStatus(t *testing.T) {
	bin := lambdart.Build(t, ".")
	good := ingesttest.KBFWithout(t, uploadsDir, 2024, 2)
	bad := []byte("Person-id;Nämnd;Kön;Belopp\nP1;Gamla stan;K;100\n")
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		lake  bool
		want  int
	}{
		{"accepted", map[string][]byte{"kbf/2024/kbf_2024.csv": good}, true, 0},
		{"all rejected", map[string][]byte{"kbf/2024/bad.csv": bad, "kbf/2024/a.csv.report.txt": good}, true, 2},
		{"some rejected", map[string][]byte{"kbf/2024/kbf_2024.csv": good, "kbf/2023/bad.csv": bad}, true, 2},
		{"failed", map[string][]byte{"kbf/2024/kbf_2024.csv": good}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lake")
			if tc.lake {
				st, err := dirstore.New(dir)
				if err != nil {
					t.Fatal(err)
				}
				seedKBFLake(t, st)
			}
			ups := t.TempDir()
			for p, data := range tc.files {
				f := filepath.Join(ups, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin, "-lake", dir, "-uploads", ups)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir()}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Errorf("exit status %d; want %d\n%s", code, tc.want, stderr.String())
			}
			if tc.want == 2 && !strings.Contains(stderr.String(), "rejected, nothing from this file is published") {
				t.Errorf("no report on stderr:\n%s", stderr.String())
			}
		})
	}
}
