package infra

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/store/s3store"
)

// grant is one S3 action on keys under LakePrefix: an object key pattern
// (IAM wildcards), or for s3:ListBucket the s3:prefix pattern allowed.
type grant struct{ action, key string }

func (g grant) String() string { return g.action + " on " + g.key }

// wantGrants is the lake layout of template.yaml's header as IAM grants,
// from what the code does:
//
//   - api (internal/api, internal/lake.Open and Refresh): GETs
//     manifest.json (also conditionally) and the keys the manifest names
//     under aggregates/ (the disclosure pattern included). It lists
//     nothing, so it gets no s3:ListBucket.
//   - ingest (internal/ingest.Run, lake.Open, lake.ReadRaw, lake.Publish):
//     lists uploads/ and manifests/; reads and deletes uploads; writes
//     rejected/ (file and two reports) and processed/<version>/; reads the
//     served version, raw microdata included; writes the next version's
//     aggregates/ and raw/ (If-None-Match) and manifest.json (If-Match);
//     keeps superseded manifests in manifests/; retention deletes old
//     aggregates/, raw/ and manifests/ keys, never manifest.json.
var wantGrants = map[string][]grant{
	"api": {
		{"s3:GetObject", "manifest.json"},
		{"s3:GetObject", "aggregates/*"},
	},
	"ingest": {
		{"s3:ListBucket", "uploads/*"},
		{"s3:ListBucket", "manifests/*"},
		{"s3:GetObject", "uploads/*"},
		{"s3:DeleteObject", "uploads/*"},
		{"s3:PutObject", "rejected/*"},
		{"s3:PutObject", "processed/*"},
		{"s3:GetObject", "manifest.json"},
		{"s3:PutObject", "manifest.json"},
		{"s3:GetObject", "aggregates/*"},
		{"s3:PutObject", "aggregates/*"},
		{"s3:DeleteObject", "aggregates/*"},
		{"s3:GetObject", "raw/*"},
		{"s3:PutObject", "raw/*"},
		{"s3:DeleteObject", "raw/*"},
		{"s3:GetObject", "manifests/*"},
		{"s3:PutObject", "manifests/*"},
		{"s3:DeleteObject", "manifests/*"},
	},
}

// neverReach are keys (under LakePrefix) a function's role must not be
// able to touch with any action: the api reads aggregates only, and the
// ingest must not write uploads/, which would trigger itself.
var neverReach = map[string][]string{
	"api": {
		"raw/dataset=insatser/ar=2024/part-0123456789abcdef.parquet",
		"uploads/kbf/2024/kbf_2024.csv",
		"rejected/kbf/2024/kbf_2024.csv.report.txt",
		"processed/0123456789abcdef/kbf/2024/kbf_2024.csv",
		"manifests/0123456789abcdef.json",
	},
}

// outsideLayout is a key under LakePrefix that no part of the layout
// holds: a resource that matches it is a bucket-wide (or lake-wide)
// wildcard.
const outsideLayout = "zz-outside-the-layout/x"

// requiredEnv are the variables each function must be given; functions
// read others with defaults (README, "API" and "Ingest").
var requiredEnv = map[string][]string{
	"api":    {"INSYN_LAKE", "INSYN_THRESHOLD"},
	"ingest": {"INSYN_LAKE", "INSYN_THRESHOLD", "INSYN_PROTECTION_LEVEL", "INSYN_KEEP_VERSIONS"},
}

// runtimeEnv are variables the Go runtime reads, not the functions' code.
var runtimeEnv = map[string]bool{"GOMEMLIMIT": true}

// envFromParameter are variables that must carry a parameter as is: the
// API refuses a pattern the ingest computed under another threshold.
var envFromParameter = map[string]string{
	"INSYN_THRESHOLD":        "Threshold",
	"INSYN_PROTECTION_LEVEL": "ProtectionLevel",
	"INSYN_KEEP_VERSIONS":    "KeepVersions",
}

// functionsByCode names the functions by the zip infra/build.sh makes.
var functionsByCode = map[string]string{"build/api.zip": "api", "build/ingest.zip": "ingest"}

// checker collects every problem of a template instead of stopping at
// the first, so one run shows them all.
type checker struct {
	tmpl     map[string]any
	env      env
	res      map[string]any
	problems []string

	bucket, prefix string // resolved bucket name and LakePrefix
}

func (c *checker) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) str(where string, v any) string {
	s, err := c.env.str(v)
	if err != nil {
		c.bad("%s: %v", where, err)
	}
	return s
}

// checkTemplate returns every way tmpl departs from what insyn's
// deployment must guarantee, with parameters at their defaults except
// overrides. reads maps each function to the environment variables its
// code reads.
func checkTemplate(tmpl map[string]any, overrides map[string]string, reads map[string]map[string]bool) []string {
	c := &checker{tmpl: tmpl, env: newEnv(tmpl, overrides), res: asMap(tmpl["Resources"])}
	c.checkParameters()
	c.checkBucket()
	fns := c.functions()
	for _, name := range []string{"api", "ingest"} {
		fn, ok := fns[name]
		if !ok {
			c.bad("no AWS::Serverless::Function with CodeUri build/%s.zip (infra/build.sh's output)", name)
			continue
		}
		c.checkFunction(name, fn, reads[name])
	}
	if api, ok := fns["api"]; ok {
		c.checkAPIEvents(api)
	}
	if ingest, ok := fns["ingest"]; ok {
		c.checkIngestEvents(ingest)
		c.checkBucketPolicy(ingest)
	}
	c.checkCycles()
	return c.problems
}

func (c *checker) checkParameters() {
	params := asMap(c.tmpl["Parameters"])
	for name, def := range map[string]string{"Threshold": "4", "ProtectionLevel": "3", "KeepVersions": "5"} {
		p := asMap(params[name])
		if p == nil {
			c.bad("parameter %s is missing", name)
		} else if p["Default"] != def {
			c.bad("parameter %s: default %v, want %s", name, p["Default"], def)
		}
	}
	for _, name := range []string{"LakePrefix", "BucketNamePrefix"} {
		if params[name] == nil {
			c.bad("parameter %s is missing", name)
		}
	}
	c.prefix = c.env.params["LakePrefix"]
	if c.prefix != "" && !strings.HasSuffix(c.prefix, "/") {
		c.bad("LakePrefix %q must be empty or end in /", c.prefix)
	}
	outputs := asMap(c.tmpl["Outputs"])
	if got := c.str("output ApiUrl", asMap(outputs["ApiUrl"])["Value"]); !regexp.MustCompile(`^https://\{ref:\w+\}\.execute-api\.eu-north-1\.amazonaws\.com/graphql$`).MatchString(got) {
		c.bad("output ApiUrl is %q, want https://<HttpApi>.execute-api.<region>.<suffix>/graphql", got)
	}
	if got := c.str("output LakeBucketName", asMap(outputs["LakeBucketName"])["Value"]); got != "{ref:LakeBucket}" {
		c.bad("output LakeBucketName is %q, want the bucket (!Ref LakeBucket)", got)
	}
}

func (c *checker) checkBucket() {
	b := asMap(c.res["LakeBucket"])
	if b["Type"] != "AWS::S3::Bucket" {
		c.bad("resource LakeBucket is not an AWS::S3::Bucket")
		return
	}
	if b["DeletionPolicy"] != "Retain" {
		c.bad("LakeBucket: DeletionPolicy %v, want Retain (deleting the stack must not delete the lake)", b["DeletionPolicy"])
	}
	p := asMap(b["Properties"])
	c.bucket = c.str("LakeBucket BucketName", p["BucketName"])
	if c.bucket == "" || strings.Contains(c.bucket, "{") {
		c.bad("LakeBucket: BucketName %q must be built from parameters (!Sub), so policies can name it without referring to the bucket", c.bucket)
	}
	if asMap(p["VersioningConfiguration"])["Status"] != "Enabled" {
		c.bad("LakeBucket: versioning is not enabled")
	}
	pab := asMap(p["PublicAccessBlockConfiguration"])
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if pab[k] != "true" {
			c.bad("LakeBucket: PublicAccessBlockConfiguration %s is not true", k)
		}
	}
	if p["BucketEncryption"] == nil {
		c.bad("LakeBucket: no BucketEncryption")
	}
}

// checkBucketPolicy wants the bucket policy to refuse plain HTTP and raw
// microdata to everyone but the ingest role.
func (c *checker) checkBucketPolicy(ingest map[string]any) {
	ingestRole := c.roleOf("ingest", ingest)
	var tls, raw bool
	for name, r := range c.res {
		r := asMap(r)
		if r["Type"] != "AWS::S3::BucketPolicy" || c.str(name, asMap(r["Properties"])["Bucket"]) != "{ref:LakeBucket}" {
			continue
		}
		for i, s := range asList(asMap(asMap(r["Properties"])["PolicyDocument"])["Statement"]) {
			s := asMap(s)
			where := fmt.Sprintf("%s statement %d", name, i)
			if s["Effect"] != "Deny" {
				continue
			}
			actions, _ := c.env.strs(s["Action"])
			resources, _ := c.env.strs(s["Resource"])
			cond := asMap(s["Condition"])
			if asMap(cond["Bool"])["aws:SecureTransport"] == "false" && slices.Contains(actions, "s3:*") {
				tls = true
			}
			if slices.Contains(actions, "s3:GetObject") && slices.Contains(actions, "s3:GetObjectVersion") &&
				slices.Equal(resources, []string{"{getatt:LakeBucket.Arn}/" + c.prefix + "raw/*"}) &&
				c.str(where, asMap(cond["ArnNotEquals"])["aws:PrincipalArn"]) == "{getatt:"+ingestRole+".Arn}" && len(cond) == 1 {
				raw = true
			}
		}
	}
	if !tls {
		c.bad("no bucket policy on LakeBucket denies requests without TLS (aws:SecureTransport false)")
	}
	if !raw {
		c.bad("no bucket policy on LakeBucket denies s3:GetObject and s3:GetObjectVersion on %sraw/* to every principal but the ingest role", c.prefix)
	}
}

// functions returns the Serverless functions by name (functionsByCode),
// with Globals.Function merged in as SAM does.
func (c *checker) functions() map[string]map[string]any {
	globals := asMap(asMap(c.tmpl["Globals"])["Function"])
	out := map[string]map[string]any{}
	for logical, r := range c.res {
		r := asMap(r)
		if r["Type"] != "AWS::Serverless::Function" {
			continue
		}
		props := map[string]any{}
		for k, v := range globals {
			props[k] = v
		}
		for k, v := range asMap(r["Properties"]) {
			props[k] = v
		}
		props["__logical"] = logical
		code, _ := props["CodeUri"].(string)
		name, ok := functionsByCode[code]
		if !ok {
			c.bad("function %s: CodeUri %v is none of infra/build.sh's zips (build/api.zip, build/ingest.zip)", logical, props["CodeUri"])
			continue
		}
		if _, dup := out[name]; dup {
			c.bad("two functions with CodeUri %s", code)
		}
		out[name] = props
	}
	return out
}

// roleOf returns the logical name of the AWS::IAM::Role a function runs as.
func (c *checker) roleOf(name string, fn map[string]any) string {
	role := c.str(name+" Role", fn["Role"])
	res, ok := strings.CutPrefix(role, "{getatt:")
	res, ok2 := strings.CutSuffix(res, ".Arn}")
	if !ok || !ok2 || asMap(c.res[res])["Type"] != "AWS::IAM::Role" {
		c.bad("%s function: Role must be !GetAtt <an AWS::IAM::Role of this template>.Arn, is %q", name, role)
		return ""
	}
	return res
}

func (c *checker) checkFunction(name string, fn map[string]any, reads map[string]bool) {
	where := name + " function (" + fn["__logical"].(string) + ")"
	if fn["Runtime"] != "provided.al2023" {
		c.bad("%s: Runtime %v, want provided.al2023", where, fn["Runtime"])
	}
	if archs := asList(fn["Architectures"]); len(archs) != 1 || archs[0] != "arm64" {
		c.bad("%s: Architectures %v, want [arm64]", where, fn["Architectures"])
	}
	if fn["Handler"] != "bootstrap" {
		c.bad("%s: Handler %v, want bootstrap", where, fn["Handler"])
	}
	if fn["Policies"] != nil {
		c.bad("%s: Policies would have SAM make a role beside the explicit one; give the role the statements", where)
	}
	num := func(key string) int {
		n, err := strconv.Atoi(c.str(where+" "+key, fn[key]))
		if err != nil {
			c.bad("%s: %s %v is not a whole number", where, key, fn[key])
		}
		return n
	}
	switch name {
	case "api":
		if t := num("Timeout"); t > 30 {
			c.bad("%s: Timeout %d s; API Gateway answers 503 after 30 s", where, t)
		}
		c.checkMemLimit(where, fn, num("MemorySize"))
	case "ingest":
		c.checkMemLimit(where, fn, num("MemorySize"))
		if n := num("ReservedConcurrentExecutions"); n != 1 {
			c.bad("%s: ReservedConcurrentExecutions %d, want 1 (retention races a concurrent publish)", where, n)
		}
		if t := num("Timeout"); t < 600 {
			c.bad("%s: Timeout %d s is short for the disclosure step of a whole lake (minutes)", where, t)
		}
		if m := num("MemorySize"); m < 2048 {
			c.bad("%s: MemorySize %d MB is small for a 1 M-row upload (844 MiB peak heap) and the pattern step", where, m)
		}
	}

	logGroup := ""
	if lg := c.str(where+" LoggingConfig", asMap(fn["LoggingConfig"])["LogGroup"]); strings.HasPrefix(lg, "{ref:") {
		logGroup = strings.TrimSuffix(strings.TrimPrefix(lg, "{ref:"), "}")
		r := asMap(c.res[logGroup])
		if r["Type"] != "AWS::Logs::LogGroup" || asMap(r["Properties"])["RetentionInDays"] == nil {
			c.bad("%s: log group %s is not an AWS::Logs::LogGroup with RetentionInDays", where, logGroup)
		}
	} else {
		c.bad("%s: LoggingConfig.LogGroup must name a log group of this template (with its retention), is %q", where, lg)
	}
	if role := c.roleOf(name, fn); role != "" {
		c.checkRole(name, role, logGroup)
	}
	c.checkEnv(where, name, fn, reads)
}

func (c *checker) checkEnv(where, name string, fn map[string]any, reads map[string]bool) {
	vars := asMap(asMap(fn["Environment"])["Variables"])
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if !reads[k] && !runtimeEnv[k] {
			c.bad("%s: environment variable %s is not read by the function's code", where, k)
		}
	}
	for _, k := range requiredEnv[name] {
		if vars[k] == nil {
			c.bad("%s: environment variable %s is not set", where, k)
		}
	}
	if v, ok := vars["INSYN_LAKE"]; ok {
		lake := c.str(where+" INSYN_LAKE", v)
		u, err := s3store.ParseURL(lake)
		if err != nil || lake != "s3://"+c.bucket+"/"+c.prefix || u.Bucket != c.bucket {
			c.bad("%s: INSYN_LAKE is %q, want s3://%s/%s (%v)", where, lake, c.bucket, c.prefix, err)
		}
	}
	for k, param := range envFromParameter {
		if v, ok := vars[k]; ok && asMap(v)["Ref"] != param {
			c.bad("%s: %s must be !Ref %s (both functions the same rules), is %v", where, k, param, v)
		}
	}
}

// checkMemLimit requires GOMEMLIMIT at 75-85 % of the function's memory
// (mb MB): a soft limit that holds the heap below what the function has
// (README, "Scale": no cost in throughput), with room for the rest.
func (c *checker) checkMemLimit(where string, fn map[string]any, mb int) {
	v := asMap(asMap(fn["Environment"])["Variables"])["GOMEMLIMIT"]
	if v == nil {
		c.bad("%s: environment variable GOMEMLIMIT is not set (about 80 %% of MemorySize)", where)
		return
	}
	s := c.str(where+" GOMEMLIMIT", v)
	limit, err := parseMemLimit(s)
	if err != nil {
		c.bad("%s: GOMEMLIMIT %q: %v", where, s, err)
		return
	}
	if share := float64(limit) / float64(mb<<20); share < 0.75 || share > 0.85 {
		c.bad("%s: GOMEMLIMIT %s is %.0f %% of MemorySize %d MB, want 75-85 %%", where, s, 100*share, mb)
	}
}

// parseMemLimit reads a GOMEMLIMIT as the Go runtime does: a number of
// bytes with an optional unit B, KiB, MiB, GiB or TiB.
func parseMemLimit(s string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a number of bytes with a unit B, KiB, MiB, GiB or TiB")
	}
	return n << shift, nil
}

// statement is one IAM policy statement, resolved.
type statement struct {
	where     string
	effect    string
	actions   []string
	resources []string
	condition map[string]any
}

func (c *checker) statements(where string, doc any) []statement {
	var out []statement
	for i, s := range asList(asMap(doc)["Statement"]) {
		s := asMap(s)
		st := statement{where: fmt.Sprintf("%s statement %d (%v)", where, i, s["Sid"]), condition: asMap(s["Condition"])}
		st.effect, _ = s["Effect"].(string)
		for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
			if s[k] != nil {
				c.bad("%s: %s grants by exclusion; list what is allowed", st.where, k)
			}
		}
		var err error
		if st.actions, err = c.env.strs(s["Action"]); err != nil {
			c.bad("%s: Action: %v", st.where, err)
		}
		if s["Resource"] != nil {
			if st.resources, err = c.env.strs(s["Resource"]); err != nil {
				c.bad("%s: Resource: %v", st.where, err)
			}
		}
		out = append(out, st)
	}
	return out
}

// checkRole wants the role to be assumable by Lambda only and to grant
// exactly wantGrants[name] on the lake plus writing to its own log group.
func (c *checker) checkRole(name, role, logGroup string) {
	where := name + " role (" + role + ")"
	props := asMap(asMap(c.res[role])["Properties"])
	if props["ManagedPolicyArns"] != nil {
		c.bad("%s: ManagedPolicyArns grant what this template does not show; use inline statements", where)
	}
	if doc := asMap(props["AssumeRolePolicyDocument"]); len(asList(doc["Statement"])) != 1 ||
		asMap(asMap(asList(doc["Statement"])[0])["Principal"])["Service"] != "lambda.amazonaws.com" {
		c.bad("%s: must be assumable by lambda.amazonaws.com alone", where)
	}
	bucketARN := "arn:aws:s3:::" + c.bucket
	got := map[grant]bool{}
	for _, p := range asList(props["Policies"]) {
		for _, s := range c.statements(where+" policy "+fmt.Sprint(asMap(p)["PolicyName"]), asMap(p)["PolicyDocument"]) {
			if s.effect != "Allow" {
				c.bad("%s: Effect %q; a role here only allows", s.where, s.effect)
				continue
			}
			for _, a := range s.actions {
				if strings.ContainsAny(a, "*?") {
					c.bad("%s: wildcard action %q", s.where, a)
				}
			}
			for _, r := range s.resources {
				if r == "*" {
					c.bad(`%s: resource "*"`, s.where)
				}
			}
			c.checkStatement(name, s, bucketARN, logGroup, got)
		}
	}
	want := map[grant]bool{}
	for _, g := range wantGrants[name] {
		want[g] = true
	}
	for _, g := range sortedGrants(want) {
		if !got[g] {
			c.bad("%s: missing grant %s (the code needs it)", where, g)
		}
	}
	for _, g := range sortedGrants(got) {
		if !want[g] {
			c.bad("%s: grant beyond the lake layout: %s", where, g)
		}
	}
}

func sortedGrants(m map[grant]bool) []grant {
	return slices.SortedFunc(maps.Keys(m), func(a, b grant) int { return strings.Compare(a.String(), b.String()) })
}

func (c *checker) checkStatement(name string, s statement, bucketARN, logGroup string, got map[grant]bool) {
	var s3Actions, other []string
	for _, a := range s.actions {
		switch {
		case strings.HasPrefix(a, "s3:"):
			s3Actions = append(s3Actions, a)
		case a == "logs:CreateLogStream" || a == "logs:PutLogEvents":
			if !slices.Equal(s.resources, []string{"{getatt:" + logGroup + ".Arn}"}) {
				c.bad("%s: %s on %v; only on the function's own log group %s", s.where, a, s.resources, logGroup)
			}
		default:
			other = append(other, a)
		}
	}
	if len(other) > 0 {
		c.bad("%s: actions the function does not need: %v", s.where, other)
	}
	if len(s3Actions) == 0 {
		return
	}
	// Reachability, whatever the grant bookkeeping below concludes.
	objectARN := func(key string) string { return bucketARN + "/" + c.prefix + key }
	for _, r := range s.resources {
		for _, key := range neverReach[name] {
			if wildcardMatch(r, objectARN(key)) {
				c.bad("%s: the %s role reaches %s (%v on %s)", s.where, name, strings.SplitAfter(key, "/")[0], s3Actions, r)
			}
		}
		if wildcardMatch(r, objectARN(outsideLayout)) || wildcardMatch(r, bucketARN+"/"+outsideLayout) {
			c.bad("%s: bucket-wide wildcard %s reaches keys outside the lake layout", s.where, r)
		}
		if name == "ingest" && slices.Contains(s3Actions, "s3:PutObject") && wildcardMatch(r, objectARN("uploads/kbf/2024/x.csv")) {
			c.bad("%s: the ingest role may write uploads/, which would trigger the ingest again", s.where)
		}
	}
	for _, r := range s.resources {
		switch {
		case r == bucketARN:
			c.checkList(s, s3Actions, got)
		case strings.HasPrefix(r, bucketARN+"/"+c.prefix):
			if len(s.condition) > 0 {
				c.bad("%s: a Condition on object actions; the layout is expressed by key patterns", s.where)
			}
			key := strings.TrimPrefix(r, bucketARN+"/"+c.prefix)
			for _, a := range s3Actions {
				got[grant{a, key}] = true
			}
		default:
			c.bad("%s: S3 resource %s is not the lake bucket %s or a key under %s", s.where, r, bucketARN, c.prefix)
		}
	}
}

// checkList wants listing restricted to prefixes of the layout.
func (c *checker) checkList(s statement, actions []string, got map[grant]bool) {
	if !slices.Equal(actions, []string{"s3:ListBucket"}) {
		c.bad("%s: on the bucket itself only s3:ListBucket, not %v", s.where, actions)
		return
	}
	like := asMap(s.condition["StringLike"])
	if len(s.condition) != 1 || len(like) != 1 || like["s3:prefix"] == nil {
		c.bad("%s: s3:ListBucket without a StringLike s3:prefix condition lists the whole bucket", s.where)
		return
	}
	prefixes, err := c.env.strs(like["s3:prefix"])
	if err != nil {
		c.bad("%s: s3:prefix: %v", s.where, err)
	}
	for _, p := range prefixes {
		rel, ok := strings.CutPrefix(p, c.prefix)
		if !ok || wildcardMatch(p, c.prefix+outsideLayout) {
			c.bad("%s: lists %q, beyond the layout's prefixes", s.where, p)
			continue
		}
		got[grant{"s3:ListBucket", rel}] = true
	}
}

// wildcardMatch matches an IAM resource pattern: * is any run of
// characters (slashes too), ? one character.
func wildcardMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func (c *checker) checkAPIEvents(fn map[string]any) {
	where := "api function"
	routes := map[string]bool{}
	api := ""
	for name, ev := range asMap(fn["Events"]) {
		ev := asMap(ev)
		p := asMap(ev["Properties"])
		if ev["Type"] != "HttpApi" {
			c.bad("%s: event %s is %v; the API is served through the HTTP API only", where, name, ev["Type"])
			continue
		}
		id := c.str(where+" event "+name+" ApiId", p["ApiId"])
		res := strings.TrimSuffix(strings.TrimPrefix(id, "{ref:"), "}")
		if asMap(c.res[res])["Type"] != "AWS::Serverless::HttpApi" {
			c.bad("%s: event %s: ApiId %q is not an AWS::Serverless::HttpApi of this template", where, name, id)
		}
		if api != "" && res != api {
			c.bad("%s: events on two HTTP APIs, %s and %s", where, api, res)
		}
		api = res
		if v, ok := p["PayloadFormatVersion"]; ok && v != "2.0" {
			c.bad("%s: event %s: PayloadFormatVersion %v; internal/serve reads API Gateway v2 events", where, name, v)
		}
		method, _ := p["Method"].(string)
		path, _ := p["Path"].(string)
		routes[strings.ToUpper(method)+" "+path] = true
	}
	// An event without Path and Method is SAM's $default route: the
	// open-data URLs (/v1/...), /graphiql and CORS preflights reach the
	// function through it.
	for _, r := range []string{"GET /graphql", "POST /graphql", " "} {
		if !routes[r] {
			if r == " " {
				r = "$default (an HttpApi event without Path and Method)"
			}
			c.bad("%s: no route %s", where, r)
		}
	}
}

var daily = regexp.MustCompile(`^(cron\(\d{1,2} \d{1,2} \* \* \? \*\)|rate\(1 day\))$`)

func (c *checker) checkIngestEvents(fn map[string]any) {
	where := "ingest function"
	var s3, schedule int
	for name, ev := range asMap(fn["Events"]) {
		ev := asMap(ev)
		p := asMap(ev["Properties"])
		switch ev["Type"] {
		case "S3":
			s3++
			if b := c.str(where+" event "+name, p["Bucket"]); b != "{ref:LakeBucket}" {
				c.bad("%s: S3 event %s on %q, want the lake bucket", where, name, b)
			}
			evs, _ := c.env.strs(p["Events"])
			if !slices.Equal(evs, []string{"s3:ObjectCreated:*"}) {
				c.bad("%s: S3 event %s: Events %v, want s3:ObjectCreated:*", where, name, evs)
			}
			rules := asList(asMap(asMap(p["Filter"])["S3Key"])["Rules"])
			want := c.prefix + "uploads/"
			if len(rules) != 1 || asMap(rules[0])["Name"] != "prefix" || c.str(where+" filter", asMap(rules[0])["Value"]) != want {
				c.bad("%s: S3 event %s must be filtered to the key prefix %s alone (the ingest writes elsewhere in the bucket), has %v", where, name, want, rules)
			}
		case "Schedule":
			schedule++
			if expr := c.str(where+" event "+name, p["Schedule"]); !daily.MatchString(expr) {
				c.bad("%s: Schedule event %s: %q is not daily", where, name, expr)
			}
			if p["Enabled"] == "false" || p["State"] == "DISABLED" {
				c.bad("%s: Schedule event %s is disabled", where, name)
			}
		default:
			c.bad("%s: event %s of type %v; main.go handles S3 and scheduled EventBridge events", where, name, ev["Type"])
		}
	}
	if s3 != 1 {
		c.bad("%s: %d S3 ObjectCreated events, want 1", where, s3)
	}
	if schedule != 1 {
		c.bad("%s: %d Schedule events, want 1 (daily)", where, schedule)
	}
}

// checkCycles finds circular dependencies between resources, with SAM's
// event sources the right way round: an S3 event makes the bucket (its
// notification) depend on the function, an HttpApi event the API on it.
func (c *checker) checkCycles() {
	deps := map[string][]string{}
	for name, r := range c.res {
		r := asMap(r)
		props := asMap(r["Properties"])
		if r["Type"] == "AWS::Serverless::Function" {
			rest := map[string]any{}
			for k, v := range props {
				if k != "Events" {
					rest[k] = v
				}
			}
			for _, ev := range asMap(props["Events"]) {
				p := asMap(asMap(ev)["Properties"])
				for _, k := range []string{"Bucket", "ApiId"} {
					for _, src := range c.env.references(p[k]) {
						deps[src] = append(deps[src], name)
					}
				}
			}
			props = rest
		}
		deps[name] = append(deps[name], c.env.references(props)...)
		for _, d := range asList(r["DependsOn"]) {
			deps[name] = append(deps[name], fmt.Sprint(d))
		}
	}
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(n string) bool
	visit = func(n string) bool {
		switch state[n] {
		case active:
			i := slices.Index(path, n)
			c.bad("circular dependency: %s", strings.Join(append(slices.Clone(path[i:]), n), " -> "))
			return true
		case done:
			return false
		}
		state[n] = active
		path = append(path, n)
		for _, d := range deps[n] {
			if visit(d) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return false
	}
	for _, n := range slices.Sorted(maps.Keys(c.res)) {
		if visit(n) {
			return
		}
	}
}
