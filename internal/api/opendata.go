package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphql-go/graphql/gqlerrors"

	"github.com/stockholm/insyn/internal/reports"
	"github.com/stockholm/insyn/internal/serve"
)

// OpenDataPath is where the open-data files are served, below the same
// prefix as GraphQL (an API Gateway stage: /prod/v1/reports):
//
//	GET /v1/reports                      the seed tables, with links (JSON)
//	GET /v1/reports/{id}.csv             a seed table, CSV (?dialect=excel, the default, or rfc4180)
//	GET /v1/reports/{id}.json            a seed table, JSON-stat 2.0
//	GET /v1/reports/{id}.xlsx            a seed table, XLSX (xlsx.go)
//	GET /v1/tables                       the datasets, with the table arguments (JSON)
//	GET /v1/tables/{dataset}.csv|.json|.xlsx   a generic table: ?measure=&period=&groupBy=&filter=dim:code,code&totals=&shareOf=
//
// Every figure comes from the same answers GraphQL gives (reportAnswer,
// tableAnswer), so it has the same value and mark.
const OpenDataPath = "/v1/"

// The licence of the open data. The brief names none; the City of
// Stockholm publishes its open data under CC BY 4.0 or CC0, and CC BY keeps
// the source ("Källa: …") attached to figures that are copied on.
const (
	licenceID   = "CC-BY-4.0"
	licenceName = "Creative Commons Erkännande 4.0 Internationell (CC BY 4.0)"
	licenceURL  = "https://creativecommons.org/licenses/by/4.0/"
	licensor    = "Stockholms stad"
)

// Media types of the files. header=present tells that the first line is a
// header (RFC 4180, section 3).
const (
	contentTypeCSV  = "text/csv; charset=utf-8; header=present"
	contentTypeJSON = "application/json; charset=utf-8"
)

// openMeta is what a file says about its figures besides them.
type openMeta struct {
	title       string
	source      string // "Källa: …"
	footnotes   []string
	unit        string // a generic table's; a seed table's units are per column
	lakeVersion string
	updated     time.Time
	datasets    []*datasetState
	csv         string // the URL of the CSV file (Excel dialect)
	jsonStat    string // the URL of the JSON-stat file
	xlsx        string // the URL of the XLSX file
}

// footerLines are the metadata lines below the data of a CSV file in the
// Excel dialect: title, source, notes, unit, versions, licence and where
// the machine-readable file is.
func (m openMeta) footerLines() []string {
	lines := []string{m.title, m.source}
	lines = append(lines, m.footnotes...)
	if m.unit != "" {
		lines = append(lines, "Enhet: "+m.unit+".")
	}
	var ds []string
	for _, d := range m.datasets {
		ds = append(ds, d.def.name+" "+d.version)
	}
	lines = append(lines,
		fmt.Sprintf("Version: lake %s (%s), datamängder: %s.", m.lakeVersion, m.updated.UTC().Format(time.DateOnly), strings.Join(ds, ", ")),
		fmt.Sprintf("Licens: %s, %s. Ange källa: %s.", licenceName, licenceURL, licensor),
		"Status: PUBLISHED visas, SUPPRESSED (*) redovisas ej, NOT_COMPUTABLE (.) går ej att beräkna, NO_DATA (i.u) inga uppgifter.",
		"Maskinläsbar (JSON-stat 2.0): "+m.jsonStat)
	return lines
}

// reportMeta is the metadata of a seed table.
func (v *version) reportMeta(ans *reportAnswer, base string) openMeta {
	p := ans.printed
	return openMeta{
		title: p.Number + ". " + p.Caption, source: "Källa: " + p.Source, footnotes: ans.footnotes,
		lakeVersion: v.lakeVersion(), updated: v.created(), datasets: ans.datasets,
		csv: reportURL(base, p.ID, "csv"), jsonStat: reportURL(base, p.ID, "json"), xlsx: reportURL(base, p.ID, "xlsx"),
	}
}

// tableMeta is the metadata of a generic table.
func (v *version) tableMeta(t *tableAnswer, base string) openMeta {
	datasets := []*datasetState{t.ds}
	if t.measure == RatePer10000 {
		if pop, ok := v.dataset("befolkning"); ok {
			datasets = append(datasets, pop)
		}
	}
	return openMeta{
		title: tableTitle(t), source: t.source, footnotes: t.footnotes, unit: unitOf(t.measure),
		lakeVersion: t.lakeVersion, updated: v.created(), datasets: datasets,
		csv: tableURL(base, t.req, "csv"), jsonStat: tableURL(base, t.req, "json"), xlsx: tableURL(base, t.req, "xlsx"),
	}
}

// tableTitle names a generic table in words: "Verkställda beslut om
// insatser enligt LSS och SoL: antal beslut efter kön, 2024 (urval:
// Insats Ledsagarservice)".
func tableTitle(t *tableAnswer) string {
	var b strings.Builder
	b.WriteString(t.ds.def.label + ": " + unitOf(t.measure))
	for i, d := range t.dims {
		switch {
		case i == 0:
			b.WriteString(" efter ")
		case i == len(t.dims)-1:
			b.WriteString(" och ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(strings.ToLower(d.label))
	}
	b.WriteString(", " + t.periods[0].label())
	if len(t.periods) > 1 {
		b.WriteString("–" + t.periods[len(t.periods)-1].label())
	}
	var sel []string
	for _, f := range t.req.Filter {
		d, _ := t.ds.def.dim(f.Dimension)
		labels := make([]string, len(f.Codes))
		for i, c := range f.Codes {
			labels[i] = d.codeLabel(c)
		}
		sel = append(sel, d.label+" "+strings.Join(labels, ", "))
	}
	if len(sel) > 0 {
		b.WriteString(" (urval: " + strings.Join(sel, "; ") + ")")
	}
	return b.String()
}

// canonical is a table request as its URLs and files state it: the
// filter codes as codes (not labels), each once, in code list order.
func (p *plan) canonical(req tableRequest) tableRequest {
	out := req
	out.Period = strings.TrimSpace(req.Period)
	out.GroupBy = slices.Clone(req.GroupBy)
	out.Filter = nil
	for _, f := range req.Filter {
		out.Filter = append(out.Filter, filterArg{Dimension: f.Dimension, Codes: p.filter[f.Dimension]})
	}
	return out
}

// reportURL is the URL of a seed table's file (ext "csv", "json" or "xlsx"). The
// ":" of the id stays as it is: it is allowed in a path, and the URL is
// absolute; "%3A" is answered the same.
func reportURL(base, id, ext string) string {
	return base + OpenDataPath + "reports/" + id + "." + ext
}

// tableURL is the URL of a generic table's file (ext "csv", "json" or "xlsx"),
// with its arguments in a fixed order.
func tableURL(base string, req tableRequest, ext string) string {
	q := []string{"measure=" + queryEscape(string(req.Measure)), "period=" + queryEscape(req.Period)}
	if len(req.GroupBy) > 0 {
		q = append(q, "groupBy="+escapeList(req.GroupBy))
	}
	for _, f := range req.Filter {
		q = append(q, "filter="+queryEscape(f.Dimension)+":"+escapeList(f.Codes))
	}
	if req.Totals {
		q = append(q, "totals=true")
	}
	if req.ShareOf != "" {
		q = append(q, "shareOf="+queryEscape(req.ShareOf))
	}
	return base + OpenDataPath + "tables/" + url.PathEscape(req.Dataset) + "." + ext + "?" + strings.Join(q, "&")
}

// queryEscape escapes a query parameter's value, but keeps "/", which a
// query may hold (RFC 3986, section 3.4): period=2022/2024 stays readable.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/") }

// escapeList escapes the items of a comma-separated list, keeping the commas.
func escapeList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = queryEscape(s)
	}
	return strings.Join(out, ",")
}

// withDialect adds the dialect parameter to a CSV URL (Excel's is the default).
func withDialect(u string, d Dialect) string {
	if d == DialectExcel {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "dialect=" + strings.ToLower(string(d))
}

// openLinks are the URLs of a table's open-data files.
type openLinks struct {
	CSV        string `json:"csv"`
	CSVRFC4180 string `json:"csvRfc4180"`
	JSONStat   string `json:"jsonStat"`
	XLSX       string `json:"xlsx"`
}

func linksOf(m openMeta) openLinks {
	return openLinks{CSV: m.csv, CSVRFC4180: withDialect(m.csv, DialectRFC4180), JSONStat: m.jsonStat, XLSX: m.xlsx}
}

// baseURL is the URL the API answers at, up to the path prefix: on Lambda
// the adapter makes the request URL absolute from API Gateway's domain
// name; a local server has the Host header.
func baseURL(r *http.Request, prefix string) string {
	if r.URL.IsAbs() {
		return r.URL.Scheme + "://" + r.URL.Host + prefix
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + prefix
}

// openFile is an answer of the open-data routes.
type openFile struct {
	body        []byte
	contentType string
	// disposition is the Content-Disposition ("" for none).
	disposition string
	links       []string // Link header values
}

// openDataRoutes are the routes, for the error on an unknown path.
var openDataRoutes = []string{
	"/v1/reports", "/v1/reports/{id}.csv", "/v1/reports/{id}.json", "/v1/reports/{id}.xlsx",
	"/v1/tables", "/v1/tables/{dataset}.csv", "/v1/tables/{dataset}.json", "/v1/tables/{dataset}.xlsx",
}

// serveOpenData answers the open-data routes: GET and HEAD, from one lake
// version, with an ETag of the version and the URL, Cache-Control on
// success, and errors as JSON in the GraphQL shape (400 naming the
// parameter and listing the valid values, 404 for an unknown table).
func (h *Handler) serveOpenData(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r, serve.PathPrefix(r.Context()))
	route := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(OpenDataPath, "/")), "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		fail(w, r, http.StatusMethodNotAllowed, CodeBadInput, "method "+r.Method+": the open-data files are read with GET")
		return
	}
	v := h.lake.current(r.Context())
	// Roll-ups the table queued are built after the answer is written.
	defer v.indexes.work.start()
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Limits.Timeout)
	defer cancel()
	var held ticket
	defer held.finish() // after the file is written
	req := &request{ctx: ctx, v: v, budget: h.newBudget(ctx, r, h.opts.MaxCells, &held), rules: h.lake.rules, log: h.opts.Logger, base: base}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		fail(w, r, http.StatusBadRequest, CodeBadInput, "the query string: "+err.Error()+" (separate parameters with &, encode ; & = + % in values)")
		return
	}
	f, err := h.openData(req, route, q)
	if err != nil {
		h.writeOpenDataError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("ETag", openETag(v.lakeVersion(), base, route, q))
	hd.Set("X-Insyn-Lake-Version", v.lakeVersion())
	hd.Set("Last-Modified", v.created().UTC().Format(http.TimeFormat))
	if f.disposition != "" {
		hd.Set("Content-Disposition", f.disposition)
	}
	for _, l := range f.links {
		hd.Add("Link", l)
	}
	hd.Set("Content-Type", f.contentType)
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.opts.CacheMaxAge.Seconds())))
	hd.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.body)
	}
}

// openData builds the answer of a route.
func (h *Handler) openData(r *request, route string, q url.Values) (*openFile, error) {
	switch route {
	case "":
		return nil, &queryError{code: CodeNotFound, message: "no file at " + OpenDataPath, valid: openDataRoutes}
	case "reports", "reports/":
		if err := onlyParams(q); err != nil {
			return nil, err
		}
		list, err := reportList(r)
		if err != nil {
			return nil, err
		}
		return jsonFile(list)
	case "tables", "tables/":
		if err := onlyParams(q); err != nil {
			return nil, err
		}
		list, err := datasetList(r)
		if err != nil {
			return nil, err
		}
		return jsonFile(list)
	}
	kind, name, _ := strings.Cut(route, "/")
	stem, ext := name, ""
	if i := strings.LastIndex(name, "."); i >= 0 {
		stem, ext = name[:i], name[i+1:]
	}
	if kind != "reports" && kind != "tables" || strings.Contains(name, "/") {
		return nil, &queryError{code: CodeNotFound, message: "no file at " + OpenDataPath + route, valid: openDataRoutes}
	}
	if ext != "csv" && ext != "json" && ext != "xlsx" {
		return nil, &queryError{code: CodeNotFound, field: "format",
			message: fmt.Sprintf("no file %s%s: a table is served as .csv, .json (JSON-stat 2.0) or .xlsx", OpenDataPath, route), valid: []string{".csv", ".json", ".xlsx"}}
	}
	if kind == "reports" {
		return h.reportFile(r, stem, ext, q)
	}
	return h.tableFile(r, stem, ext, q)
}

// reportFile is a seed table's CSV or JSON-stat file.
func (h *Handler) reportFile(r *request, id, ext string, q url.Values) (*openFile, error) {
	ids := reportIDs()
	if !slices.Contains(ids, id) {
		return nil, &queryError{code: CodeNotFound, field: "id", message: fmt.Sprintf("%q is not a seed table", id), valid: ids}
	}
	params := []string{}
	if ext == "csv" {
		params = append(params, "dialect")
	}
	if err := onlyParams(q, params...); err != nil {
		return nil, err
	}
	ans, err := r.v.report(id)
	if err != nil {
		return nil, err
	}
	if err := r.budget.take(ans.cells, "table "+id); err != nil {
		return nil, err
	}
	meta := r.v.reportMeta(ans, r.base)
	name := "insyn-" + strings.ReplaceAll(id, ":", "-") + "-" + r.v.lakeVersion()
	switch ext {
	case "json":
		return jsonStatFile(reportJSONStat(ans, meta), meta, name)
	case "xlsx":
		return xlsxFileOf(reportCSV(ans, meta), meta, name)
	}
	d, err := parseDialect(q.Get("dialect"))
	if err != nil {
		return nil, err
	}
	return csvFileOf(reportCSV(ans, meta), d, meta, name)
}

// tableFile is a generic table's CSV or JSON-stat file.
func (h *Handler) tableFile(r *request, dataset, ext string, q url.Values) (*openFile, error) {
	ds, ok := r.v.dataset(dataset)
	if !ok {
		var names []string
		for _, d := range r.v.datasets {
			names = append(names, d.def.name)
		}
		return nil, &queryError{code: CodeNotFound, field: "dataset", message: fmt.Sprintf("%q is not a dataset", dataset), valid: names}
	}
	params := []string{"measure", "period", "groupBy", "filter", "totals", "shareOf"}
	if ext == "csv" {
		params = append(params, "dialect")
	}
	if err := onlyParams(q, params...); err != nil {
		return nil, err
	}
	req, err := tableRequestOf(ds, q)
	if err != nil {
		return nil, err
	}
	t, err := r.table(req)
	if err != nil {
		return nil, err
	}
	meta := r.v.tableMeta(t, r.base)
	name := fmt.Sprintf("insyn-%s-%s-%s-%s", ds.def.name, strings.ToLower(string(t.measure)),
		strings.ReplaceAll(t.req.Period, "/", "_"), ds.version)
	switch ext {
	case "json":
		return jsonStatFile(tableJSONStat(t, meta), meta, name)
	case "xlsx":
		return xlsxFileOf(tableCSV(t, meta), meta, name)
	}
	d, err := parseDialect(q.Get("dialect"))
	if err != nil {
		return nil, err
	}
	return csvFileOf(tableCSV(t, meta), d, meta, name)
}

// tableRequestOf reads the table arguments of a URL: measure and period
// (required), groupBy (repeated, or comma-separated), filter (repeated,
// dimension:code,code), totals (true or false) and shareOf, as the GraphQL
// table query takes them.
func tableRequestOf(ds *datasetState, q url.Values) (tableRequest, error) {
	req := tableRequest{Dataset: ds.def.name}
	for _, name := range []string{"measure", "period", "totals", "shareOf", "dialect"} {
		if len(q[name]) > 1 {
			return req, badInput(name, nil, "given %d times; give it once", len(q[name]))
		}
	}
	req.Measure = Measure(strings.ToUpper(strings.TrimSpace(q.Get("measure"))))
	if req.Measure == "" {
		return req, badInput("measure", measureNames(ds.def.measuresOf()), "required: the measure of dataset %s to compute", ds.def.name)
	}
	req.Period = q.Get("period")
	if strings.TrimSpace(req.Period) == "" {
		valid, err := ds.periodCodes()
		if err != nil {
			return req, err
		}
		return req, badInput("period", valid, "required: a year (2024), a quarter (2024-Q2) or a range (2022/2024)")
	}
	for _, v := range q["groupBy"] {
		for g := range strings.SplitSeq(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				req.GroupBy = append(req.GroupBy, g)
			}
		}
	}
	for i, v := range q["filter"] {
		dim, codes, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(dim) == "" || strings.TrimSpace(codes) == "" {
			var dims []string
			for _, d := range ds.def.dims {
				dims = append(dims, d.name)
			}
			return req, badInput(fmt.Sprintf("filter[%d]", i), dims, "%q: want dimension:code,code (such as insats:ledsagarservice)", v)
		}
		f := filterArg{Dimension: strings.TrimSpace(dim)}
		for c := range strings.SplitSeq(codes, ",") {
			if c = strings.TrimSpace(c); c != "" {
				f.Codes = append(f.Codes, c)
			}
		}
		req.Filter = append(req.Filter, f)
	}
	if v := q.Get("totals"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return req, badInput("totals", []string{"true", "false"}, "%q is not true or false", v)
		}
		req.Totals = b
	}
	req.ShareOf = strings.TrimSpace(q.Get("shareOf"))
	return req, nil
}

// onlyParams refuses query parameters other than the valid ones, so that
// a misspelt one ("groupby") is not silently ignored.
func onlyParams(q url.Values, valid ...string) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(valid, name) {
			return badInput(name, valid, "unknown parameter")
		}
	}
	return nil
}

// csvFileOf renders a CSV file, with the headers that carry its metadata.
func csvFileOf(c *csvFile, d Dialect, meta openMeta, name string) (*openFile, error) {
	body, err := c.write(d)
	if err != nil {
		return nil, err
	}
	filename := name + ".csv"
	other := DialectRFC4180
	if d == DialectRFC4180 {
		filename = name + ".rfc4180.csv"
		other = DialectExcel
	}
	return &openFile{
		body: body, contentType: contentTypeCSV,
		disposition: mime.FormatMediaType("attachment", map[string]string{"filename": filename}),
		links: []string{
			"<" + meta.jsonStat + `>; rel="describedby"; type="application/json"`,
			"<" + withDialect(meta.csv, other) + `>; rel="alternate"; type="text/csv"`,
			"<" + licenceURL + `>; rel="license"`,
		},
	}, nil
}

// jsonStatFile renders a JSON-stat file.
func jsonStatFile(js *jsonStat, meta openMeta, name string) (*openFile, error) {
	f, err := jsonFile(js)
	if err != nil {
		return nil, err
	}
	f.disposition = mime.FormatMediaType("inline", map[string]string{"filename": name + ".json"})
	f.links = []string{
		"<" + meta.csv + `>; rel="alternate"; type="text/csv"`,
		"<" + licenceURL + `>; rel="license"`,
	}
	return f, nil
}

// jsonFile renders a value as JSON, without escaping <, > and & (the
// footnotes have none that matter, and URLs stay readable).
func jsonFile(v any) (*openFile, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return &openFile{body: buf.Bytes(), contentType: contentTypeJSON}, nil
}

// reportEntry is a seed table in the list at /v1/reports.
type reportEntry struct {
	ID          string    `json:"id"`
	Number      string    `json:"number"`
	Caption     string    `json:"caption"`
	Publication string    `json:"publication"`
	Source      string    `json:"source"`
	Links       openLinks `json:"links"`
}

// openList is the answer of /v1/reports and /v1/tables.
type openList struct {
	LakeVersion string         `json:"lakeVersion"`
	Updated     string         `json:"updated"`
	License     jsLicense      `json:"license"`
	Reports     []reportEntry  `json:"reports,omitempty"`
	Datasets    []datasetEntry `json:"datasets,omitempty"`
}

func newOpenList(v *version) *openList {
	return &openList{
		LakeVersion: v.lakeVersion(), Updated: v.created().UTC().Format(time.RFC3339),
		License: jsLicense{ID: licenceID, Label: licenceName, Href: licenceURL, Attribution: licensor},
	}
}

// reportList lists the seed tables with the URLs of their files.
func reportList(r *request) (*openList, error) {
	out := newOpenList(r.v)
	tables, err := reports.Tables()
	if err != nil {
		return nil, err
	}
	for _, p := range tables {
		out.Reports = append(out.Reports, reportEntry{
			ID: p.ID, Number: p.Number, Caption: p.Caption, Publication: p.Publication, Source: "Källa: " + p.Source,
			Links: openLinks{
				CSV:        reportURL(r.base, p.ID, "csv"),
				CSVRFC4180: withDialect(reportURL(r.base, p.ID, "csv"), DialectRFC4180),
				JSONStat:   reportURL(r.base, p.ID, "json"),
				XLSX:       reportURL(r.base, p.ID, "xlsx"),
			},
		})
	}
	return out, nil
}

// datasetEntry is a dataset in the list at /v1/tables: what its table
// URLs take.
type datasetEntry struct {
	Name       string   `json:"name"`
	Label      string   `json:"label"`
	Version    string   `json:"version"`
	Source     string   `json:"source"`
	Measures   []string `json:"measures"`
	Periods    []string `json:"periods"`
	Dimensions []string `json:"dimensions"`
	// CSV and JSONStat are URL templates (RFC 6570).
	CSV      string `json:"csv"`
	JSONStat string `json:"jsonStat"`
}

// datasetList lists the datasets a generic table reads.
func datasetList(r *request) (*openList, error) {
	out := newOpenList(r.v)
	for _, ds := range r.v.datasets {
		periods, err := ds.periodCodes()
		if err != nil {
			return nil, err
		}
		e := datasetEntry{
			Name: ds.def.name, Label: ds.def.label, Version: ds.version, Source: ds.source,
			Measures: measureNames(ds.def.measuresOf()), Periods: append([]string{}, periods...), Dimensions: []string{},
		}
		for _, d := range ds.def.dims {
			e.Dimensions = append(e.Dimensions, d.name)
		}
		template := r.base + OpenDataPath + "tables/" + ds.def.name + ".%s{?measure,period,groupBy*,filter*,totals,shareOf%s}"
		e.CSV = fmt.Sprintf(template, "csv", ",dialect")
		e.JSONStat = fmt.Sprintf(template, "json", "")
		out.Datasets = append(out.Datasets, e)
	}
	return out, nil
}

// writeOpenDataError answers an error of an open-data route: the client's
// as 400 (404 for an unknown table), with the parameter and the valid
// values; any other is logged and answered 500 naming the request id.
func (h *Handler) writeOpenDataError(w http.ResponseWriter, r *http.Request, err error) {
	qe, ok := errors.AsType[*queryError](err)
	if !ok {
		id := serve.RequestID(r.Context())
		h.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "open data failed",
			slog.String("request_id", id), slog.String("path", r.URL.Path), slog.String("err", err.Error()))
		fail(w, r, http.StatusInternalServerError, CodeInternal, "internal error (request id "+id+")")
		return
	}
	status := http.StatusBadRequest
	switch qe.code {
	case CodeNotFound:
		status = http.StatusNotFound
	case CodeTimeout:
		status = http.StatusServiceUnavailable
	}
	serve.LogAttrs(r.Context(), slog.String("refused", qe.code))
	writeJSON(w, status, gqlErrors{Errors: []gqlerrors.FormattedError{{Message: qe.Error(), Extensions: qe.Extensions()}}}, "no-store")
}

// openETag identifies an open-data answer: the lake version and the URL
// (its base, route and parameters, in sorted order).
func openETag(lakeVersion, base, route string, q url.Values) string {
	return etag(lakeVersion, requestSum(base, gqlRequest{Query: route + "?" + q.Encode()}))
}
