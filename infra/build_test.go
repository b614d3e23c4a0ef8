package infra

import (
	"archive/zip"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBuild runs infra/build.sh as before a deployment and checks each zip
// template.yaml deploys (its CodeUri): one entry, bootstrap, a regular
// file executable by all; a static 64-bit ELF executable for aarch64;
// built by Go from the function's package for linux/arm64 with
// CGO_ENABLED=0, -tags lambda.norpc, -trimpath, and stripped (-s -w).
// About 3 s on a warm build cache; a cold arm64 cache takes about
// 2 minutes on two cores, so -short skips it.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both functions for arm64 (about 2 minutes on a cold build cache)")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "build.sh")
	// The script's own default (arm64) is what is tested, whatever the
	// developer's environment says.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOARCH=") || strings.HasPrefix(kv, "GOOS=")
	})
	cmd.Env = append(cmd.Env, "BUILD_DIR="+out)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash infra/build.sh: %v\n%s", err, b)
	}
	t.Logf("build.sh took %v", time.Since(start).Round(100*time.Millisecond))

	tmpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	var codeURIs []string
	for _, r := range asMap(tmpl["Resources"]) {
		if asMap(r)["Type"] == "AWS::Serverless::Function" {
			uri, _ := asMap(asMap(r)["Properties"])["CodeUri"].(string)
			codeURIs = append(codeURIs, uri)
		}
	}
	slices.Sort(codeURIs)
	if !slices.Equal(codeURIs, []string{"build/api.zip", "build/ingest.zip"}) {
		t.Fatalf("template.yaml's CodeUris are %v; build.sh makes build/api.zip and build/ingest.zip", codeURIs)
	}
	for _, uri := range codeURIs {
		fn := strings.TrimSuffix(filepath.Base(uri), ".zip")
		t.Run(fn, func(t *testing.T) {
			checkBootstrapZip(t, filepath.Join(out, fn+".zip"), "github.com/stockholm/insyn/functions/"+fn)
		})
	}
}

func checkBootstrapZip(t *testing.T, path, pkg string) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		t.Fatalf("%s holds %v; Lambda's provided.al2023 runs the one file bootstrap", path, names)
	}
	f := zr.File[0]
	if mode := f.Mode(); !mode.IsRegular() || mode.Perm()&0o111 != 0o111 {
		t.Errorf("bootstrap has mode %v in the zip; Lambda needs it executable", mode)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	if ef.Machine != elf.EM_AARCH64 || ef.Class != elf.ELFCLASS64 || ef.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v %v %v; want EM_AARCH64 ELFCLASS64 ET_EXEC (arm64, as template.yaml's Architectures)", ef.Machine, ef.Class, ef.Type)
	}
	// -trimpath keeps -ldflags out of the build information: look for
	// what -s (symbol table) and -w (DWARF) remove instead.
	for _, sec := range []string{".symtab", ".debug_info", ".zdebug_info"} {
		if ef.Section(sec) != nil {
			t.Errorf("bootstrap has a %s section; build with -ldflags='-s -w'", sec)
		}
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap is dynamically linked (has PT_INTERP); build with CGO_ENABLED=0")
		}
	}
	info, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("bootstrap has no Go build information: %v", err)
	}
	if info.Path != pkg {
		t.Errorf("bootstrap is built from %s, want %s", info.Path, pkg)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{
		"GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0",
		"-tags": "lambda.norpc", "-trimpath": "true",
	} {
		if settings[k] != want {
			t.Errorf("bootstrap built with %s=%q, want %q", k, settings[k], want)
		}
	}
}
