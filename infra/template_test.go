package infra

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const templatePath = "../template.yaml"

// TestTemplate checks template.yaml (see checkTemplate): runtime and
// architecture, the IAM split (the api reads manifest.json and
// aggregates/ only; the ingest exactly the layout's grants; no wildcard
// actions, no resource "*", no bucket-wide keys), the bucket's hardening,
// the events, the environment against the Go code, and circular
// dependencies. It runs with the parameters' defaults and with other lake
// prefixes, the empty one included.
func TestTemplate(t *testing.T) {
	tmpl, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	reads := envReads(t)
	for _, prefix := range []string{"", "lake/", "stockholm/insyn/"} {
		t.Run("LakePrefix="+strconv.Quote(prefix), func(t *testing.T) {
			overrides := map[string]string{"LakePrefix": prefix}
			if prefix == "lake/" {
				overrides = nil // the default
			}
			for _, p := range checkTemplate(tmpl, overrides, reads) {
				t.Error(p)
			}
		})
	}
	// Every memory size the api function may have gets its GOMEMLIMIT.
	sizes := asList(asMap(asMap(tmpl["Parameters"])["ApiMemorySize"])["AllowedValues"])
	if len(sizes) < 2 {
		t.Fatalf("parameter ApiMemorySize allows %v, want a list of sizes", sizes)
	}
	for _, size := range sizes {
		t.Run(fmt.Sprint("ApiMemorySize=", size), func(t *testing.T) {
			for _, p := range checkTemplate(tmpl, map[string]string{"ApiMemorySize": fmt.Sprint(size)}, reads) {
				t.Error(p)
			}
		})
	}
}

// envReads returns, per function, the INSYN_* names that appear as string
// literals in the non-test Go files of the function's main package and
// every package of this module it imports: the variables its code can
// read.
func envReads(t *testing.T) map[string]map[string]bool {
	t.Helper()
	name := regexp.MustCompile(`^INSYN_[A-Z0-9_]+$`)
	out := map[string]map[string]bool{}
	for _, fn := range []string{"api", "ingest"} {
		cmd := exec.Command("go", "list", "-deps", "-f",
			`{{with .Module}}{{if eq .Path "github.com/stockholm/insyn"}}{{$.Dir}}{{range $.GoFiles}} {{.}}{{end}}{{end}}{{end}}`,
			"./functions/"+fn)
		cmd.Dir = ".."
		list, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("go list -deps ./functions/%s: %v\n%s", fn, err, ee.Stderr)
			}
			t.Fatal(err)
		}
		out[fn] = map[string]bool{}
		fset := token.NewFileSet()
		for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			for _, file := range fields[1:] {
				f, err := parser.ParseFile(fset, filepath.Join(fields[0], file), nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				ast.Inspect(f, func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil && name.MatchString(s) {
							out[fn][s] = true
						}
					}
					return true
				})
			}
		}
		// The extraction itself must see what the functions are known to
		// read, or every template variable would look unread.
		for _, k := range requiredEnv[fn] {
			if !out[fn][k] {
				t.Fatalf("found no %q literal in the Go code of functions/%s (found %v)", k, fn, out[fn])
			}
		}
	}
	return out
}

// TestCheckerCatchesMutations: each change to a copy of the template
// that breaks a guarantee is reported, with a message naming it; the
// unchanged copy has no problem.
func TestCheckerCatchesMutations(t *testing.T) {
	orig, err := loadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	reads := envReads(t)
	if p := checkTemplate(orig, nil, reads); len(p) > 0 {
		t.Fatalf("the template itself has problems: %v", p)
	}
	objectARN := func(key string) any {
		return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketNamePrefix}-${AWS::AccountId}-${AWS::Region}/" + key}
	}
	bucketARN := map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketNamePrefix}-${AWS::AccountId}-${AWS::Region}"}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, tmpl map[string]any)
		want   []string // substrings of reported problems
	}{
		{"api reads raw/ instead of aggregates/", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "ApiRole", "ReadManifestAndAggregates")
			s["Resource"] = []any{objectARN("${LakePrefix}manifest.json"), objectARN("${LakePrefix}raw/*")}
		}, []string{"the api role reaches raw/", "missing grant s3:GetObject on aggregates/*", "grant beyond the lake layout: s3:GetObject on raw/*"}},
		{"api reads uploads/ too", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "ApiRole", "ReadManifestAndAggregates")
			s["Resource"] = append(asList(s["Resource"]), objectARN("${LakePrefix}uploads/*"))
		}, []string{"the api role reaches uploads/"}},
		{"api reads the whole lake", func(t *testing.T, m map[string]any) {
			stmt(t, m, "ApiRole", "ReadManifestAndAggregates")["Resource"] = objectARN("${LakePrefix}*")
		}, []string{"the api role reaches raw/", "the api role reaches processed/", "bucket-wide wildcard"}},
		{"api gets resource *", func(t *testing.T, m map[string]any) {
			stmt(t, m, "ApiRole", "ReadManifestAndAggregates")["Resource"] = "*"
		}, []string{`resource "*"`}},
		{"api may list", func(t *testing.T, m map[string]any) {
			addStmt(t, m, "ApiRole", map[string]any{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucketARN,
				"Condition": map[string]any{"StringLike": map[string]any{"s3:prefix": map[string]any{"Fn::Sub": "${LakePrefix}aggregates/*"}}}})
		}, []string{"api role (ApiRole): grant beyond the lake layout: s3:ListBucket on aggregates/*"}},
		{"api logs anywhere", func(t *testing.T, m map[string]any) {
			stmt(t, m, "ApiRole", "WriteOwnLogs")["Resource"] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:logs:*"}
		}, []string{"only on the function's own log group"}},
		{"ingest gets s3:*", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "IngestRole", "ReadAndWriteLake")
			s["Action"] = append(asList(s["Action"]), "s3:*")
		}, []string{`wildcard action "s3:*"`}},
		{"ingest deletes anywhere in the bucket", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "IngestRole", "DeleteOldVersions")
			s["Resource"] = append(asList(s["Resource"]), objectARN("*"))
		}, []string{"bucket-wide wildcard"}},
		{"ingest lists the whole bucket", func(t *testing.T, m map[string]any) {
			delete(stmt(t, m, "IngestRole", "ListUploadsAndManifests"), "Condition")
		}, []string{"lists the whole bucket"}},
		{"ingest cannot delete old manifest copies", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "IngestRole", "DeleteOldVersions")
			s["Resource"] = asList(s["Resource"])[:2]
		}, []string{"missing grant s3:DeleteObject on manifests/*"}},
		{"ingest may write uploads/", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "IngestRole", "FileUploadsAway")
			s["Resource"] = append(asList(s["Resource"]), objectARN("${LakePrefix}uploads/*"))
		}, []string{"would trigger the ingest again", "grant beyond the lake layout: s3:PutObject on uploads/*"}},
		{"ingest gets a managed policy", func(t *testing.T, m map[string]any) {
			asMap(asMap(asMap(m["Resources"])["IngestRole"])["Properties"])["ManagedPolicyArns"] = []any{"arn:aws:iam::aws:policy/AmazonS3FullAccess"}
		}, []string{"ManagedPolicyArns"}},
		{"api on x86_64", func(t *testing.T, m map[string]any) {
			props(t, m, "ApiFunction")["Architectures"] = []any{"x86_64"}
		}, []string{"Architectures [x86_64], want [arm64]"}},
		{"ingest on provided.al2", func(t *testing.T, m map[string]any) {
			props(t, m, "IngestFunction")["Runtime"] = "provided.al2"
		}, []string{"Runtime provided.al2, want provided.al2023"}},
		{"ingest without reserved concurrency", func(t *testing.T, m map[string]any) {
			delete(props(t, m, "IngestFunction"), "ReservedConcurrentExecutions")
		}, []string{"ReservedConcurrentExecutions"}},
		{"upload event without the prefix filter", func(t *testing.T, m map[string]any) {
			delete(asMap(asMap(asMap(props(t, m, "IngestFunction")["Events"])["Upload"])["Properties"]), "Filter")
		}, []string{"must be filtered to the key prefix lake/uploads/"}},
		{"no daily run", func(t *testing.T, m map[string]any) {
			delete(asMap(props(t, m, "IngestFunction")["Events"]), "Daily")
		}, []string{"0 Schedule events"}},
		{"no $default route", func(t *testing.T, m map[string]any) {
			delete(asMap(props(t, m, "ApiFunction")["Events"]), "Default")
		}, []string{"no route $default"}},
		{"misspelt variable", func(t *testing.T, m map[string]any) {
			vars := asMap(asMap(props(t, m, "ApiFunction")["Environment"])["Variables"])
			vars["INSYN_TRESHOLD"] = vars["INSYN_THRESHOLD"]
			delete(vars, "INSYN_THRESHOLD")
		}, []string{"INSYN_TRESHOLD is not read by the function's code", "INSYN_THRESHOLD is not set"}},
		{"no memory limit", func(t *testing.T, m map[string]any) {
			delete(asMap(asMap(props(t, m, "ApiFunction")["Environment"])["Variables"]), "GOMEMLIMIT")
		}, []string{"GOMEMLIMIT is not set"}},
		{"memory raised without its limit", func(t *testing.T, m map[string]any) {
			props(t, m, "ApiFunction")["MemorySize"] = "2048"
		}, []string{"GOMEMLIMIT 820MiB is 40 % of MemorySize 2048 MB"}},
		{"ingest memory raised without its limit", func(t *testing.T, m map[string]any) {
			props(t, m, "IngestFunction")["MemorySize"] = "10240"
		}, []string{"GOMEMLIMIT 2400MiB is 23 % of MemorySize 10240 MB"}},
		{"limit in another unit", func(t *testing.T, m map[string]any) {
			asMap(asMap(m["Mappings"])["GoMemLimit"])["1024"] = map[string]any{"Limit": "820MB"}
		}, []string{`GOMEMLIMIT "820MB": not a number of bytes`}},
		{"threshold not from the parameter", func(t *testing.T, m map[string]any) {
			asMap(asMap(props(t, m, "IngestFunction")["Environment"])["Variables"])["INSYN_THRESHOLD"] = "3"
		}, []string{"INSYN_THRESHOLD must be !Ref Threshold"}},
		{"ingest role names the bucket resource", func(t *testing.T, m map[string]any) {
			s := stmt(t, m, "IngestRole", "TakeUploads")
			s["Resource"] = map[string]any{"Fn::Sub": "${LakeBucket.Arn}/${LakePrefix}uploads/*"}
		}, []string{"circular dependency"}},
		{"ingest environment names the bucket resource", func(t *testing.T, m map[string]any) {
			asMap(asMap(props(t, m, "IngestFunction")["Environment"])["Variables"])["INSYN_LAKE"] = map[string]any{"Fn::Sub": "s3://${LakeBucket}/${LakePrefix}"}
		}, []string{"circular dependency", "INSYN_LAKE is \"s3://{ref:LakeBucket}/lake/\""}},
		{"raw/ readable by every principal the account allows", func(t *testing.T, m map[string]any) {
			doc := asMap(asMap(asMap(asMap(m["Resources"])["LakeBucketPolicy"])["Properties"])["PolicyDocument"])
			doc["Statement"] = asList(doc["Statement"])[:1]
		}, []string{"denies s3:GetObject and s3:GetObjectVersion on lake/raw/*"}},
		{"bucket deleted with the stack", func(t *testing.T, m map[string]any) {
			delete(asMap(asMap(m["Resources"])["LakeBucket"]), "DeletionPolicy")
		}, []string{"DeletionPolicy <nil>, want Retain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := deepCopy(orig).(map[string]any)
			tc.mutate(t, m)
			problems := checkTemplate(m, nil, reads)
			for _, w := range tc.want {
				found := false
				for _, p := range problems {
					found = found || strings.Contains(p, w)
				}
				if !found {
					t.Errorf("no problem reported contains %q; reported:\n  %s", w, strings.Join(problems, "\n  "))
				}
			}
		})
	}
}

func props(t *testing.T, tmpl map[string]any, resource string) map[string]any {
	t.Helper()
	p := asMap(asMap(asMap(tmpl["Resources"])[resource])["Properties"])
	if p == nil {
		t.Fatalf("no resource %s with Properties", resource)
	}
	return p
}

// stmt returns the statement with Sid sid of role's inline policies.
func stmt(t *testing.T, tmpl map[string]any, role, sid string) map[string]any {
	t.Helper()
	for _, p := range asList(props(t, tmpl, role)["Policies"]) {
		for _, s := range asList(asMap(asMap(p)["PolicyDocument"])["Statement"]) {
			if asMap(s)["Sid"] == sid {
				return asMap(s)
			}
		}
	}
	t.Fatalf("%s has no statement %s", role, sid)
	return nil
}

func addStmt(t *testing.T, tmpl map[string]any, role string, s map[string]any) {
	t.Helper()
	doc := asMap(asMap(asList(props(t, tmpl, role)["Policies"])[0])["PolicyDocument"])
	doc["Statement"] = append(asList(doc["Statement"]), s)
}

// TestCfnLint runs cfn-lint (which applies the SAM transform and checks
// the result against CloudFormation's resource specifications, circular
// dependencies included) on template.yaml and fails on its errors; and
// on a copy with a circular dependency, which it must reject. cfn-lint is
// a Python tool in the machine image, not something a test can install:
// without it this test is skipped and says so (TestTemplate always runs).
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skipf("cfn-lint is not on PATH (%v); template.yaml checked by TestTemplate only", err)
	}
	t.Run("template.yaml", func(t *testing.T) {
		t.Parallel()
		out, code := cfnLint(t, bin, templatePath)
		if code&2 != 0 || code&^(2|4|8) != 0 {
			t.Errorf("cfn-lint %s: exit status %d\n%s", templatePath, code, out)
		} else if len(out) > 0 {
			t.Logf("cfn-lint warnings or notes (exit status %d):\n%s", code, out)
		}
	})
	t.Run("circular copy", func(t *testing.T) {
		t.Parallel()
		data, err := os.ReadFile(templatePath)
		if err != nil {
			t.Fatal(err)
		}
		const from, to = "Resource: !GetAtt IngestLogGroup.Arn", `Resource: !Sub "${LakeBucket.Arn}/x"`
		if strings.Count(string(data), from) != 1 {
			t.Fatalf("template.yaml has no single %q to change", from)
		}
		bad := filepath.Join(t.TempDir(), "template.yaml")
		if err := os.WriteFile(bad, []byte(strings.Replace(string(data), from, to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := cfnLint(t, bin, bad)
		if code&2 == 0 || !strings.Contains(out, "E3004") {
			t.Errorf("cfn-lint accepts a template with a circular dependency (exit status %d)\n%s", code, out)
		}
	})
}

func cfnLint(t *testing.T, bin, path string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, "--", path).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("run cfn-lint: %v\n%s", err, out)
	}
	return string(out), 0
}
