package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/serve"
)

// PxWebPath is where the PxWebApi 2.0 endpoint answers, below the same
// prefix as GraphQL:
//
//	GET  /pxweb/api/v2/config                  limits, formats, licence
//	GET  /pxweb/api/v2/navigation              folders: the publications, the datasets
//	GET  /pxweb/api/v2/navigation/{id}         a folder's tables
//	GET  /pxweb/api/v2/tables                  every table (?query=, pageNumber, pageSize, pastDays)
//	GET  /pxweb/api/v2/tables/{id}             a table
//	GET  /pxweb/api/v2/tables/{id}/metadata    its variables (?outputFormat=json-px, the default, or json-stat2)
//	GET  /pxweb/api/v2/tables/{id}/data        cells (?valueCodes[VAR]=a,b&outputFormat=json-stat2|csv|xlsx)
//	POST /pxweb/api/v2/tables/{id}/data        cells of a selection ({"selection": [...]})
//
// The tables are the seed tables and the views of each dataset that the
// protected structure holds (pxweb_tables.go); every figure comes from the
// answers GraphQL gives (report, table), so it has the same value and mark.
const PxWebPath = "/pxweb/api/v2"

// The language of the tables: Swedish only.
const pxLanguage = "sv"

// API Gateway's throttling of the stage (template.yaml's
// ThrottlingRateLimit, requests per second), stated in /config as
// PxWeb's calls per time window.
const (
	pxCallsPerWindow = 100
	pxTimeWindow     = 1
)

// pxDataFormats are the outputFormat values of the data routes.
var pxDataFormats = []string{"json-stat2", "csv", "xlsx"}

// registerPxWeb adds the PxWeb routes to mux.
func (h *Handler) registerPxWeb(mux *http.ServeMux) {
	h.px = &pxCatalogues{}
	route := func(pattern string, f func(*request, *http.Request) (*openFile, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { h.servePx(w, r, f) })
	}
	route("GET "+PxWebPath+"/config", h.pxConfig)
	route("GET "+PxWebPath+"/navigation", h.pxNavigation)
	route("GET "+PxWebPath+"/navigation/{id}", h.pxNavigation)
	route("GET "+PxWebPath+"/tables", h.pxTables)
	route("GET "+PxWebPath+"/tables/{id}", h.pxTable)
	route("GET "+PxWebPath+"/tables/{id}/metadata", h.pxMetadata)
	route("GET "+PxWebPath+"/tables/{id}/data", h.pxData)
	route("POST "+PxWebPath+"/tables/{id}/data", h.pxData)
	for path, allow := range map[string]string{
		"/config": "GET, HEAD", "/navigation": "GET, HEAD", "/navigation/{id}": "GET, HEAD", "/tables": "GET, HEAD",
		"/tables/{id}": "GET, HEAD", "/tables/{id}/metadata": "GET, HEAD", "/tables/{id}/data": "GET, HEAD, POST",
	} {
		mux.HandleFunc(PxWebPath+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow+", OPTIONS")
			h.writePxError(w, r, &pxError{status: http.StatusMethodNotAllowed, detail: "method " + r.Method + ": " + r.URL.Path + " answers " + allow})
		})
	}
	mux.HandleFunc(PxWebPath+"/", func(w http.ResponseWriter, r *http.Request) {
		h.writePxError(w, r, &pxError{status: http.StatusNotFound, detail: "no PxWeb resource at " + r.URL.Path +
			": the routes are /config, /navigation, /tables, /tables/{id}, /tables/{id}/metadata and /tables/{id}/data below " + PxWebPath})
	})
}

// pxError is an answer of status other than 200, as a problem (RFC 7807).
type pxError struct {
	status int
	detail string
	code   string
	valid  []string
}

func (e *pxError) Error() string { return e.detail }

// servePx answers a PxWeb route from one lake version: JSON, CSV or XLSX
// with an ETag of the version and the URL, Cache-Control (GET) and
// problems as application/problem+json.
func (h *Handler) servePx(w http.ResponseWriter, r *http.Request, route func(*request, *http.Request) (*openFile, error)) {
	base := baseURL(r, serve.PathPrefix(r.Context()))
	v := h.lake.current(r.Context())
	defer v.indexes.work.start()
	// The cells of one answer are checked against maxDataCells before
	// they are computed; the table queries behind them take what they
	// need, under the request's deadline.
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Limits.Timeout)
	defer cancel()
	var held ticket
	defer held.finish() // after the answer is written
	req := &request{ctx: ctx, v: v, budget: h.newBudget(ctx, r, math.MaxInt, &held), rules: h.lake.rules, log: h.opts.Logger, base: base}
	if err := pxLang(r.URL.Query()); err != nil {
		h.writePxError(w, r, err)
		return
	}
	f, err := route(req, r)
	if err != nil {
		h.writePxError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("X-Insyn-Lake-Version", v.lakeVersion())
	hd.Set("Last-Modified", v.created().UTC().Format(http.TimeFormat))
	if r.Method == http.MethodPost {
		hd.Set("Cache-Control", "no-store")
	} else {
		hd.Set("ETag", openETag(v.lakeVersion(), base, r.URL.Path, r.URL.Query()))
		hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.opts.CacheMaxAge.Seconds())))
	}
	if f.disposition != "" {
		hd.Set("Content-Disposition", f.disposition)
	}
	for _, l := range f.links {
		hd.Add("Link", l)
	}
	hd.Set("Content-Type", f.contentType)
	hd.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.body)
	}
}

// pxProblem is an error answer (the specification's Problem), with
// insyn's code and the valid values where there is a closed set.
type pxProblem struct {
	Type   string   `json:"type"`
	Title  string   `json:"title"`
	Status int      `json:"status"`
	Detail string   `json:"detail"`
	Code   string   `json:"code,omitempty"`
	Valid  []string `json:"valid,omitempty"`
}

// writePxError answers an error: a client's as 400 (404 for an unknown
// table or folder, 403 for too many cells, as PxWeb), anything else as
// 500 naming the request id.
func (h *Handler) writePxError(w http.ResponseWriter, r *http.Request, err error) {
	p := pxProblem{Type: "about:blank", Status: http.StatusBadRequest}
	var pe *pxError
	switch qe, isQuery := errors.AsType[*queryError](err); {
	case errors.As(err, &pe):
		p.Status, p.Detail, p.Code, p.Valid = pe.status, pe.detail, pe.code, pe.valid
	case isQuery:
		p.Detail, p.Code, p.Valid = qe.Error(), qe.code, qe.valid
		switch qe.code {
		case CodeNotFound:
			p.Status = http.StatusNotFound
		case CodeTooManyCells:
			p.Status = http.StatusForbidden
		case CodeTimeout:
			p.Status = http.StatusServiceUnavailable
		}
	default:
		id := serve.RequestID(r.Context())
		h.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "pxweb failed",
			slog.String("request_id", id), slog.String("path", r.URL.Path), slog.String("err", err.Error()))
		p.Status, p.Detail, p.Code = http.StatusInternalServerError, "internal error (request id "+id+")", CodeInternal
	}
	if p.Code == "" {
		p.Code = map[int]string{http.StatusNotFound: CodeNotFound, http.StatusForbidden: CodeTooManyCells, http.StatusMethodNotAllowed: CodeBadInput}[p.Status]
		if p.Code == "" {
			p.Code = CodeBadInput
		}
	}
	p.Title = http.StatusText(p.Status)
	_, body := encodeJSON(p.Status, p)
	hd := w.Header()
	hd.Set("Content-Type", "application/problem+json; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	w.Write(body)
}

// pxLang accepts the language parameter: Swedish, the only one.
func pxLang(q url.Values) error {
	if l := q.Get("lang"); l != "" && !strings.EqualFold(l, pxLanguage) {
		return &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("lang: %q is not a language of this API", l), valid: []string{pxLanguage}}
	}
	return nil
}

// pxParams refuses parameters other than valid (and lang), so that a
// misspelt one is not silently ignored; a parameter with brackets
// (valueCodes[Tid]) is checked by its name before them.
func pxParams(q url.Values, valid ...string) error {
	valid = append(valid, "lang")
	for _, name := range slices.Sorted(maps.Keys(q)) {
		stem, _, _ := strings.Cut(name, "[")
		if !slices.ContainsFunc(valid, func(v string) bool { return strings.EqualFold(v, stem) }) {
			return &pxError{status: http.StatusBadRequest, detail: name + ": unknown parameter", valid: valid}
		}
	}
	return nil
}

func pxURL(base, path string) string { return base + PxWebPath + "/" + path }

// pxLink is a link of a PxWeb answer.
type pxLink struct {
	Rel      string `json:"rel"`
	HrefLang string `json:"hreflang"`
	Href     string `json:"href"`
}

func pxLinks(base string, rels ...string) []pxLink {
	out := make([]pxLink, 0, len(rels)/2)
	for i := 0; i+1 < len(rels); i += 2 {
		out = append(out, pxLink{Rel: rels[i], HrefLang: pxLanguage, Href: pxURL(base, rels[i+1])})
	}
	return out
}

// pxConfigResponse is the answer of /config.
type pxConfigResponse struct {
	APIVersion            string        `json:"apiVersion"`
	Languages             []pxLanguageT `json:"languages"`
	DefaultLanguage       string        `json:"defaultLanguage"`
	MaxDataCells          int           `json:"maxDataCells"`
	MaxCallsPerTimeWindow int           `json:"maxCallsPerTimeWindow"`
	TimeWindow            int           `json:"timeWindow"`
	License               string        `json:"license"`
	SourceReferences      []pxSourceRef `json:"sourceReferences"`
	DefaultMetadataFormat string        `json:"defaultMetadataFormat"`
	DefaultDataFormat     string        `json:"defaultDataFormat"`
	DataFormats           []string      `json:"dataFormats"`
	Features              []pxFeature   `json:"features"`
}

type pxLanguageT struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type pxSourceRef struct {
	Language string `json:"language"`
	Text     string `json:"text"`
}

type pxFeature struct {
	ID     string       `json:"id"`
	Params []pxKeyValue `json:"params,omitempty"`
}

type pxKeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (h *Handler) pxConfig(r *request, hr *http.Request) (*openFile, error) {
	if err := pxParams(hr.URL.Query()); err != nil {
		return nil, err
	}
	return jsonFile(pxConfigResponse{
		APIVersion: "2.0", Languages: []pxLanguageT{{ID: pxLanguage, Label: "Svenska"}}, DefaultLanguage: pxLanguage,
		MaxDataCells: h.opts.MaxCells, MaxCallsPerTimeWindow: pxCallsPerWindow, TimeWindow: pxTimeWindow,
		License:          licenceURL,
		SourceReferences: []pxSourceRef{{Language: pxLanguage, Text: "Källa: " + licensor + " (insyn), " + licenceName}},
		// json-px: the specification's TableMetadataResponse.
		DefaultMetadataFormat: "json-px", DefaultDataFormat: pxDataFormats[0], DataFormats: pxDataFormats,
		Features: []pxFeature{{ID: "CORS", Params: []pxKeyValue{{Key: "enabled", Value: "True"}}}},
	})
}

// pxFolderItem is an item of a folder: a folder or a table.
type pxFolderItem struct {
	// Type is the specification's; ObjectType what PxWeb installations
	// send (the specification's discriminator).
	Type        string   `json:"type"`
	ObjectType  string   `json:"objectType"`
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Description string   `json:"description"`
	SortCode    string   `json:"sortCode,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// A table's.
	Updated       string   `json:"updated,omitempty"`
	FirstPeriod   *string  `json:"firstPeriod,omitempty"`
	LastPeriod    *string  `json:"lastPeriod,omitempty"`
	Category      string   `json:"category,omitempty"`
	VariableNames []string `json:"variableNames,omitempty"`
	Discontinued  *bool    `json:"discontinued,omitempty"`
	Links         []pxLink `json:"links"`
	Language      string   `json:"language,omitempty"`
}

type pxFolder struct {
	Language       string         `json:"language"`
	ID             *string        `json:"id"`
	Label          *string        `json:"label"`
	Description    string         `json:"description"`
	FolderContents []pxFolderItem `json:"folderContents"`
	Links          []pxLink       `json:"links"`
}

// pxFolderOf is a folder of the navigation: a publication's seed tables,
// or a dataset's views.
type pxFolderOf struct {
	id, label, description string
	tables                 []*pxTable
}

func (cat *pxCatalogue) folders(r *request) []pxFolderOf {
	var out []pxFolderOf
	at := map[string]int{}
	for _, t := range cat.tables {
		var id, label, desc string
		if t.report != nil {
			id, label = "rapport-"+strings.ReplaceAll(slug(t.report.printed.Publication), "_", "-"), t.report.printed.Publication
			desc = "Tabellerna som de är tryckta, med insyns röjandeskydd."
		} else {
			id, label, desc = t.ds.def.name, t.ds.def.label, t.ds.def.doc
		}
		i, ok := at[id]
		if !ok {
			i = len(out)
			at[id] = i
			out = append(out, pxFolderOf{id: id, label: label, description: desc})
		}
		out[i].tables = append(out[i].tables, t)
	}
	return out
}

func (h *Handler) pxNavigation(r *request, hr *http.Request) (*openFile, error) {
	if err := pxParams(hr.URL.Query()); err != nil {
		return nil, err
	}
	cat, err := h.px.of(r)
	if err != nil {
		return nil, err
	}
	folders := cat.folders(r)
	id := hr.PathValue("id")
	if id == "" {
		out := pxFolder{Language: pxLanguage, FolderContents: []pxFolderItem{}, Links: pxLinks(r.base, "self", "navigation")}
		for i, f := range folders {
			out.FolderContents = append(out.FolderContents, pxFolderItem{
				Type: "FolderInformation", ObjectType: "FolderInformation", ID: f.id, Label: f.label, Description: f.description,
				SortCode: fmt.Sprintf("%03d", i), Links: pxLinks(r.base, "self", "navigation/"+f.id),
			})
		}
		return jsonFile(out)
	}
	i := slices.IndexFunc(folders, func(f pxFolderOf) bool { return f.id == id })
	if i < 0 {
		var ids []string
		for _, f := range folders {
			ids = append(ids, f.id)
		}
		return nil, &pxError{status: http.StatusNotFound, detail: fmt.Sprintf("no folder %q", id), valid: ids}
	}
	f := folders[i]
	out := pxFolder{Language: pxLanguage, ID: &f.id, Label: &f.label, Description: f.description,
		Links: pxLinks(r.base, "self", "navigation/"+f.id, "parent", "navigation")}
	for j, t := range f.tables {
		item := pxTableItem(r, t)
		item.SortCode = fmt.Sprintf("%03d", j)
		out.FolderContents = append(out.FolderContents, item)
	}
	return jsonFile(out)
}

// pxTableItem is a table as folders and table lists show it.
func pxTableItem(r *request, t *pxTable) pxFolderItem {
	first, last := t.periods()
	no := false
	item := pxFolderItem{
		Type: "Table", ObjectType: "Table", ID: t.id, Label: t.label, Description: t.description,
		Updated: r.v.created().UTC().Format(time.RFC3339), Category: "public", Discontinued: &no,
		Links: pxLinks(r.base, "self", "tables/"+t.id, "metadata", "tables/"+t.id+"/metadata", "data", "tables/"+t.id+"/data"),
	}
	if first != "" {
		item.FirstPeriod, item.LastPeriod = &first, &last
	}
	for _, v := range t.vars {
		item.VariableNames = append(item.VariableNames, strings.ToLower(v.label))
	}
	return item
}

// pxTablesResponse is the answer of /tables.
type pxTablesResponse struct {
	Language string         `json:"language"`
	Tables   []pxFolderItem `json:"tables"`
	Page     pxPage         `json:"page"`
	Links    []pxLink       `json:"links"`
}

type pxPage struct {
	PageNumber    int      `json:"pageNumber"`
	PageSize      int      `json:"pageSize"`
	TotalElements int      `json:"totalElements"`
	TotalPages    int      `json:"totalPages"`
	Links         []pxLink `json:"links,omitempty"`
}

// pxPageSize is the default and pxMaxPageSize the largest page of /tables.
const (
	pxPageSize    = 100
	pxMaxPageSize = 1000
)

func (h *Handler) pxTables(r *request, hr *http.Request) (*openFile, error) {
	q := hr.URL.Query()
	if err := pxParams(q, "query", "pastDays", "includeDiscontinued", "pageNumber", "pageSize"); err != nil {
		return nil, err
	}
	intParam := func(name string, def, lo, hi int) (int, error) {
		s := q.Get(name)
		if s == "" {
			return def, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("%s: %q is not a whole number from %d to %d", name, s, lo, hi)}
		}
		return n, nil
	}
	pageNumber, err := intParam("pageNumber", 1, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	pageSize, err := intParam("pageSize", pxPageSize, 1, pxMaxPageSize)
	if err != nil {
		return nil, err
	}
	pastDays, err := intParam("pastDays", 0, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	if s := q.Get("includeDiscontinued"); s != "" {
		if _, err := strconv.ParseBool(s); err != nil {
			return nil, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("includeDiscontinued: %q is not true or false", s)}
		}
	}
	cat, err := h.px.of(r)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ToLower(q.Get("query")))
	var matched []*pxTable
	for _, t := range cat.tables {
		text := strings.ToLower(t.id + " " + t.label + " " + t.description)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(text, w) }) {
			matched = append(matched, t)
		}
	}
	if pastDays > 0 && time.Since(r.v.created()) > time.Duration(pastDays)*24*time.Hour {
		matched = nil
	}
	out := pxTablesResponse{Language: pxLanguage, Tables: []pxFolderItem{},
		Page:  pxPage{PageNumber: pageNumber, PageSize: pageSize, TotalElements: len(matched), TotalPages: max(1, (len(matched)+pageSize-1)/pageSize)},
		Links: pxLinks(r.base, "self", "tables")}
	from := min((pageNumber-1)*pageSize, len(matched))
	for _, t := range matched[from:min(from+pageSize, len(matched))] {
		out.Tables = append(out.Tables, pxTableItem(r, t))
	}
	return jsonFile(out)
}

// lookupPx returns the table named by the path, or a 404 listing them.
func (h *Handler) lookupPx(r *request, hr *http.Request) (*pxTable, error) {
	cat, err := h.px.of(r)
	if err != nil {
		return nil, err
	}
	id := hr.PathValue("id")
	t, ok := cat.byID[id]
	if !ok {
		t, ok = cat.byID[strings.ToLower(id)]
	}
	if !ok {
		ids := make([]string, len(cat.tables))
		for i, t := range cat.tables {
			ids[i] = t.id
		}
		return nil, &pxError{status: http.StatusNotFound, detail: fmt.Sprintf("no table %q", id), valid: ids}
	}
	return t, nil
}

func (h *Handler) pxTable(r *request, hr *http.Request) (*openFile, error) {
	if err := pxParams(hr.URL.Query()); err != nil {
		return nil, err
	}
	t, err := h.lookupPx(r, hr)
	if err != nil {
		return nil, err
	}
	item := pxTableItem(r, t)
	item.Language = pxLanguage
	return jsonFile(item)
}

// pxMetadataResponse is the specification's TableMetadataResponse (json-px).
type pxMetadataResponse struct {
	Language           string       `json:"language"`
	ID                 string       `json:"id"`
	Label              string       `json:"label"`
	Description        string       `json:"description"`
	AggregationAllowed bool         `json:"aggregationAllowed"`
	OfficalStatistics  bool         `json:"officalStatistics"`
	Source             string       `json:"source"`
	Licence            string       `json:"licence"`
	Updated            string       `json:"updated"`
	Discontinued       bool         `json:"discontinued"`
	Notes              []pxNote     `json:"notes"`
	Variables          []pxVariable `json:"variables"`
	Links              []pxLink     `json:"links"`
}

type pxNote struct {
	Mandatory bool   `json:"mandatory"`
	Text      string `json:"text"`
}

type pxVariable struct {
	ID                   string        `json:"id"`
	Label                string        `json:"label"`
	Type                 string        `json:"type"`
	Elimination          *bool         `json:"elimination,omitempty"`
	EliminationValueCode string        `json:"eliminationValueCode,omitempty"`
	TimeUnit             string        `json:"timeUnit,omitempty"`
	FirstPeriod          string        `json:"firstPeriod,omitempty"`
	LastPeriod           string        `json:"lastPeriod,omitempty"`
	Values               []pxValueJSON `json:"values"`
	Notes                []pxNote      `json:"notes,omitempty"`
	Links                []pxLink      `json:"links,omitempty"`
}

type pxValueJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Unit  string `json:"unit,omitempty"`
}

var quarterCode = regexp.MustCompile(`-Q[1-4]$`)

func (h *Handler) pxMetadata(r *request, hr *http.Request) (*openFile, error) {
	q := hr.URL.Query()
	if err := pxParams(q, "outputFormat"); err != nil {
		return nil, err
	}
	t, err := h.lookupPx(r, hr)
	if err != nil {
		return nil, err
	}
	switch f := q.Get("outputFormat"); strings.ToLower(f) {
	case "json-stat2":
		c := &pxCube{t: t, vars: t.vars, notes: t.notes}
		return jsonFile(c.jsonStat2(r, pxURL(r.base, "tables/"+t.id+"/metadata?outputFormat=json-stat2"), true))
	case "", "json-px":
	default:
		return nil, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("outputFormat: %q is not a metadata format", f), valid: []string{"json-px", "json-stat2"}}
	}
	out := pxMetadataResponse{
		Language: pxLanguage, ID: t.id, Label: t.label, Description: t.description,
		Source: strings.TrimPrefix(t.source, "Källa: "), Licence: licenceID,
		Updated: r.v.created().UTC().Format(time.RFC3339), Notes: []pxNote{},
		Links: pxLinks(r.base, "self", "tables/"+t.id+"/metadata", "data", "tables/"+t.id+"/data"),
	}
	for _, n := range t.notes {
		// The notes on the marks must be shown with the figures.
		out.Notes = append(out.Notes, pxNote{Mandatory: strings.HasPrefix(n, "* ") || strings.HasPrefix(n, ". ") || strings.HasPrefix(n, "i.u "), Text: n})
	}
	for _, v := range t.vars {
		pv := pxVariable{ID: v.code, Label: v.label, Type: v.kind, Values: []pxValueJSON{}}
		for _, x := range v.values {
			pv.Values = append(pv.Values, pxValueJSON{Code: x.code, Label: x.label, Unit: x.unit})
		}
		switch v.kind {
		case pxTime:
			pv.TimeUnit = "Annual"
			if quarterCode.MatchString(v.values[0].code) {
				pv.TimeUnit = "Quarterly"
			}
			pv.FirstPeriod, pv.LastPeriod = v.values[0].code, v.values[len(v.values)-1].code
		case pxRegular, pxGeo:
			e := v.elimination
			pv.Elimination = &e
			if e {
				pv.EliminationValueCode = totalCode
			}
		case pxContents:
			for i := range pv.Values {
				if pv.Values[i].Unit == "" {
					pv.Values[i].Unit = "antal"
				}
			}
		}
		out.Variables = append(out.Variables, pv)
	}
	return jsonFile(out)
}

// pxSelectionBody is a POST's selection (the specification's
// VariablesSelection).
type pxSelectionBody struct {
	Selection []struct {
		VariableCode string   `json:"variableCode"`
		ValueCodes   []string `json:"valueCodes"`
		// Values is the name of valueCodes the specification's
		// VariableSelection requires.
		Values       []string `json:"values"`
		CodeList     *string  `json:"codeList"`
		OutputValues *string  `json:"outputValues"`
	} `json:"selection"`
	Placement json.RawMessage `json:"placement"`
}

func (h *Handler) pxData(r *request, hr *http.Request) (*openFile, error) {
	q := hr.URL.Query()
	sel := pxSelection{}
	if hr.Method == http.MethodPost {
		if err := pxParams(q, "outputFormat", "outputFormatParams"); err != nil {
			return nil, err
		}
		ct, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
		if ct != "application/json" {
			return nil, &pxError{status: http.StatusUnsupportedMediaType, detail: fmt.Sprintf("Content-Type %q: send the selection as application/json", hr.Header.Get("Content-Type"))}
		}
		var body pxSelectionBody
		dec := json.NewDecoder(hr.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			return nil, &pxError{status: http.StatusBadRequest, detail: `body: not a selection ({"selection": [{"variableCode": "…", "valueCodes": ["…"]}]}): ` + err.Error()}
		}
		for _, s := range body.Selection {
			if s.CodeList != nil && *s.CodeList != "" {
				return nil, &pxError{status: http.StatusBadRequest, detail: "codeList: the tables have no code lists besides their own values"}
			}
			if _, dup := sel[s.VariableCode]; dup {
				return nil, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("selection: variable %q is selected twice", s.VariableCode)}
			}
			sel[s.VariableCode] = slices.Concat(s.ValueCodes, s.Values)
		}
	} else {
		if err := pxParams(q, "valueCodes", "outputFormat", "outputFormatParams"); err != nil {
			return nil, err
		}
		for name, vals := range q {
			stem, rest, ok := strings.Cut(name, "[")
			if !strings.EqualFold(stem, "valueCodes") {
				continue
			}
			if !ok || !strings.HasSuffix(rest, "]") || len(rest) < 2 {
				return nil, &pxError{status: http.StatusBadRequest, detail: name + ": want valueCodes[VARIABLE]=code,code"}
			}
			v := strings.TrimSuffix(rest, "]")
			for _, s := range vals {
				sel[v] = append(sel[v], splitItems(s)...)
			}
		}
	}
	format := strings.ToLower(q.Get("outputFormat"))
	if format == "" {
		format = pxDataFormats[0]
	}
	if !slices.Contains(pxDataFormats, format) {
		return nil, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("outputFormat: %q is not a data format", q.Get("outputFormat")), valid: pxDataFormats}
	}
	dialect := DialectRFC4180
	switch p := q.Get("outputFormatParams"); {
	case p == "":
	case format == "csv" && strings.EqualFold(p, "SeparatorSemicolon"):
		dialect = DialectExcel
	default:
		return nil, &pxError{status: http.StatusBadRequest, detail: fmt.Sprintf("outputFormatParams: %q is not a parameter of format %s", p, format), valid: []string{"SeparatorSemicolon (csv)"}}
	}
	t, err := h.lookupPx(r, hr)
	if err != nil {
		return nil, err
	}
	idx, err := t.resolve(sel)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, s := range idx {
		n *= len(s)
	}
	if n > h.opts.MaxCells {
		return nil, &pxError{status: http.StatusForbidden, code: CodeTooManyCells,
			detail: fmt.Sprintf("the selection has %d cells, more than the limit of %d per answer (maxDataCells in /config, %s); select fewer values", n, h.opts.MaxCells, EnvMaxCells)}
	}
	c, err := t.fill(r, idx)
	if err != nil {
		return nil, err
	}
	name := "insyn-" + t.id + "-" + r.v.lakeVersion()
	switch format {
	case "csv":
		f, err := c.csv(c.footer(r)).write(dialect)
		if err != nil {
			return nil, err
		}
		return &openFile{body: f, contentType: contentTypeCSV,
			disposition: mime.FormatMediaType("attachment", map[string]string{"filename": name + ".csv"}),
			links:       []string{"<" + licenceURL + `>; rel="license"`}}, nil
	case "xlsx":
		f, err := c.csv(c.footer(r)).xlsx(t.label)
		if err != nil {
			return nil, err
		}
		return &openFile{body: f, contentType: contentTypeXLSX,
			disposition: mime.FormatMediaType("attachment", map[string]string{"filename": name + ".xlsx"}),
			links:       []string{"<" + licenceURL + `>; rel="license"`}}, nil
	}
	href := pxURL(r.base, "tables/"+t.id+"/data")
	if hr.Method == http.MethodGet && hr.URL.RawQuery != "" {
		href += "?" + hr.URL.RawQuery
	}
	return jsonFile(c.jsonStat2(r, href, false))
}

// splitItems splits a GET's value list at the commas outside
// parentheses: "a,b" and "range(2022,2024)".
func splitItems(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, ch := range s {
		switch ch {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
