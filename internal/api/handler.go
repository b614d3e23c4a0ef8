package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/stockholm/insyn/internal/serve"
)

// Path is where the API answers GraphQL, by GET (?query=…) and POST. Behind
// an API Gateway stage the stage's prefix is taken off the path before the
// handler sees it (serve.StripPrefix).
const Path = "/graphql"

// HandlerOptions configures NewHandler; zero fields take the defaults of
// Config.
type HandlerOptions struct {
	MaxCells int
	// Limits bounds what one request may ask (guard.go).
	Limits      Limits
	CacheMaxAge time.Duration
	// AnswerCacheBytes bounds the answers kept in memory for repeated
	// requests (DefaultAnswerCacheBytes when 0; negative keeps none).
	AnswerCacheBytes int
	// Logger receives failures of resolvers. Default: slog.Default().
	Logger *slog.Logger
}

// Handler answers GraphQL over HTTP from a Lake.
type Handler struct {
	lake    *Lake
	schema  graphql.Schema
	table   *directType // the Table type's writers, for fast.go
	opts    HandlerOptions
	mux     *http.ServeMux
	heavy   *throttle
	docs    *docCache
	answers *answerCache
	enums   map[string][]string // enum type name -> its values, for error messages
	px      *pxCatalogues       // the PxWeb tables of the version served (pxweb.go)
}

// DefaultAnswerCacheBytes is how much memory the answers kept for repeated
// requests may take: the largest answer of the national benchmark lake (a
// table of 5 510 cells) is about 1 MB.
const DefaultAnswerCacheBytes = 32 << 20

// NewHandler returns the API's http.Handler: GraphQL at Path and the
// open-data files below OpenDataPath, every answer from one lake version,
// with an ETag of the version and the request and, for successful GETs,
// Cache-Control. Transport concerns
// (request ids, logs, body limit, CORS, gzip, 304) are serve.Wrap's.
func NewHandler(l *Lake, opts HandlerOptions) (*Handler, error) {
	if opts.MaxCells <= 0 {
		opts.MaxCells = DefaultMaxCells
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.CacheMaxAge == 0 {
		opts.CacheMaxAge = DefaultCacheMaxAge
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	schema, table, err := newSchema()
	if err != nil {
		return nil, fmt.Errorf("api: schema: %w", err)
	}
	if opts.AnswerCacheBytes == 0 {
		opts.AnswerCacheBytes = DefaultAnswerCacheBytes
	}
	h := &Handler{lake: l, schema: schema, table: table, opts: opts, heavy: newThrottle(opts.Limits.HeavyShare), docs: newDocCache(512), answers: newAnswerCache(opts.AnswerCacheBytes),
		enums: map[string][]string{}}
	for name, t := range schema.TypeMap() {
		if e, ok := t.(*graphql.Enum); ok && !strings.HasPrefix(name, "__") {
			for _, v := range e.Values() {
				h.enums[name] = append(h.enums[name], v.Name)
			}
			slices.Sort(h.enums[name])
		}
	}
	// Routes by method and path from the root; the open-data routes are
	// told apart by serveOpenData.
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET "+Path, h.serveGraphQL) // and HEAD
	h.mux.HandleFunc("POST "+Path, h.serveGraphQL)
	h.mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
		fail(w, r, http.StatusMethodNotAllowed, CodeBadInput, "method "+r.Method+": use GET with ?query= or POST with a JSON body")
	})
	openData := strings.TrimSuffix(OpenDataPath, "/")
	h.mux.HandleFunc(openData, h.serveOpenData)
	h.mux.HandleFunc(OpenDataPath, h.serveOpenData)
	h.registerPxWeb(h.mux)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no API at %s: GraphQL is answered at %s, the open-data files at %sreports", r.URL.Path, Path, OpenDataPath))
	})
	return h, nil
}

// Schema returns the GraphQL schema served.
func (h *Handler) Schema() graphql.Schema { return h.schema }

// gqlRequest is a GraphQL request as GraphQL over HTTP sends it.
type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// gqlResponse is the answer of an executed request: data (null when a
// failing field nulls the whole answer) and errors.
type gqlResponse struct {
	Data   any                        `json:"data"`
	Errors []gqlerrors.FormattedError `json:"errors,omitempty"`
}

// gqlErrors is the answer of a request that was not executed (it did not
// parse or validate): errors only, as the GraphQL spec has it.
type gqlErrors struct {
	Errors []gqlerrors.FormattedError `json:"errors"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// serveGraphQL answers a GraphQL request: the guard's limits first
// (guard.go), then graphql-go's validation, then the answer under the
// request's deadline.
func (h *Handler) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r, serve.PathPrefix(r.Context()))
	var req gqlRequest
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			fail(w, r, http.StatusBadRequest, CodeBadInput, "the query string: "+err.Error()+" (encode ; & = + % in values)")
			return
		}
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if vars := q.Get("variables"); vars != "" {
			if err := json.Unmarshal([]byte(vars), &req.Variables); err != nil {
				fail(w, r, http.StatusBadRequest, CodeBadInput, "variables: not a JSON object: "+err.Error())
				return
			}
		}
	default:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/json" {
			fail(w, r, http.StatusUnsupportedMediaType, CodeBadInput, fmt.Sprintf("Content-Type %q: send the request as application/json, {\"query\": \"…\", \"variables\": {…}}", r.Header.Get("Content-Type")))
			return
		}
		// One JSON object with the members GraphQL over HTTP defines,
		// nothing after it.
		var body struct {
			gqlRequest
			Extensions map[string]any `json:"extensions"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		err := dec.Decode(&body)
		if err == nil {
			if _, after := dec.Token(); after != io.EOF {
				err = errors.New("more after the request's JSON object")
			}
		}
		if err != nil {
			fail(w, r, http.StatusBadRequest, CodeBadInput, "body: not a GraphQL request in JSON ({\"query\": \"…\", \"variables\": {…}, \"operationName\": \"…\"}): "+err.Error())
			return
		}
		req = body.gqlRequest
	}
	if strings.TrimSpace(req.Query) == "" {
		fail(w, r, http.StatusBadRequest, CodeBadInput, "no query: send ?query={…} in a GET, or {\"query\": \"{…}\"} in a POST")
		return
	}
	if ref := h.opts.Limits.checkVariables(req.Variables); ref != nil {
		h.refuse(w, r, ref)
		return
	}
	// GraphQL's own errors are answered with 200, as GraphQL over HTTP
	// has it for application/json: clients read "errors".
	doc, ref, errs := h.parse(req.Query)
	if ref != nil {
		h.refuse(w, r, ref)
		return
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusOK, gqlErrors{Errors: errs}, "no-store")
		return
	}
	v := h.lake.current(r.Context())
	// Roll-ups the request's tables queued are built after the answer is
	// written, off its path (rollup.go).
	defer v.indexes.work.start()
	sum := requestSum(base, req)
	w.Header().Set("ETag", etag(v.lakeVersion(), sum))
	w.Header().Set("X-Insyn-Lake-Version", v.lakeVersion())
	public := "public, max-age=" + strconv.Itoa(int(h.opts.CacheMaxAge.Seconds()))
	if r.Method == http.MethodPost {
		public = "no-store"
	}
	// A version's answers never change, so a repeated request is answered
	// with the bytes of the first.
	key := answerKey{v.lakeVersion(), sum}
	if a := h.answers.get(key); a != nil {
		if gz := a.gzipped(r); gz != nil {
			// Compressed once per cached answer, not once per request;
			// serve.Wrap passes an answer with a Content-Encoding on.
			hd := w.Header()
			hd.Set("Content-Encoding", "gzip")
			hd.Set("ETag", "W/"+hd.Get("ETag"))
			writeBytes(w, http.StatusOK, gz, public)
			return
		}
		writeBody(w, http.StatusOK, a.body, public)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Limits.Timeout)
	defer cancel()
	var held ticket
	defer held.finish() // after the answer is written (and compressed)
	rq := &request{
		ctx: ctx, answerBytes: h.opts.Limits.AnswerBytes, v: v, rules: h.lake.rules, log: h.opts.Logger, base: base, splices: &splices{},
		budget: h.newBudget(ctx, r, h.opts.MaxCells, &held),
	}
	status, body, failed := h.execute(ctx, doc, req, rq)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		w.Header().Del("ETag")
		h.refuse(w, r, refuse(http.StatusServiceUnavailable, CodeTimeout, EnvTimeout,
			"the request took longer than the limit of %s; ask for fewer or smaller tables", h.opts.Limits.Timeout))
		return
	}
	if n := body.size(); n > h.opts.Limits.AnswerBytes || rq.overAnswerBytes.Load() {
		w.Header().Del("ETag")
		h.refuse(w, r, refuse(http.StatusBadRequest, CodeAnswerTooLarge, EnvMaxAnswerBytes,
			"the answer has more than the limit of %d bytes; ask for fewer fields or cells", h.opts.Limits.AnswerBytes))
		return
	}
	if failed {
		writeBody(w, status, body, "no-store")
		return
	}
	h.answers.put(key, body)
	writeBody(w, status, body, public)
}

// newBudget returns a request's budget of limit cells, whose heavy part
// waits its turn (throttle.go) under ctx; held gives the turn back once
// the answer is written.
func (h *Handler) newBudget(ctx context.Context, r *http.Request, limit int, held *ticket) *budget {
	return &budget{limit: limit, heavyAt: h.opts.Limits.HeavyCells, heavy: func() error {
		serve.LogAttrs(r.Context(), slog.Bool("heavy", true))
		release, err := h.heavy.admit(ctx)
		if err != nil {
			return &queryError{code: CodeTimeout, message: "the request waited for its turn among heavy requests longer than its limit (" + EnvTimeout + ")"}
		}
		held.hold(release)
		return nil
	}}
}

// execute answers a checked document for one request: the executor's
// data with the lists written past it spliced in (rq.splices), and its
// errors. failed is true for an answer not to be cached: with errors, or
// not encodable.
func (h *Handler) execute(ctx context.Context, doc *checkedDoc, req gqlRequest, rq *request) (status int, b body, failed bool) {
	if doc.fast != nil {
		if b, ok := doc.fast.answer(h.schema, h.table, req, rq); ok {
			rq.fast = true
			return http.StatusOK, b, false
		}
	}
	res := graphql.Execute(graphql.ExecuteParams{
		Schema: h.schema, AST: doc.doc, OperationName: req.OperationName, Args: req.Variables,
		Context: context.WithValue(ctx, requestKey{}, rq),
	})
	h.explainEnums(res.Errors)
	size := 0
	if rq.splices != nil {
		rq.splices.spliceAll(res.Data)
		size = rq.splices.bytes
	}
	status, b = encodeAnswer(res, doc.shapeFor(h.schema, req), size)
	return status, b, len(res.Errors) > 0 || status != http.StatusOK
}

// encodeAnswer writes an executed request's answer as encodeJSON writes a
// gqlResponse, but with the data written by a jsonWriter: its objects'
// keys in the order of the selection sets (s, the answer's shape), the
// long lists spliced into it chunks of their own; spliced is their
// length.
func encodeAnswer(res *graphql.Result, s *answerShape, spliced int) (int, body) {
	w := &jsonWriter{buf: append(make([]byte, 0, 4096), `{"data":`...)}
	if spliced < ownChunk {
		w.buf = slices.Grow(w.buf, spliced)
	}
	if err := w.shaped(res.Data, s); err != nil {
		return http.StatusInternalServerError, body{[]byte(encodingFailed)}
	}
	if len(res.Errors) > 0 {
		status, errs := encodeJSON(http.StatusOK, res.Errors)
		if status != http.StatusOK {
			return status, body{errs}
		}
		w.buf = append(append(w.buf, `,"errors":`...), bytes.TrimSuffix(errs, []byte("\n"))...)
	}
	w.buf = append(w.buf, "}\n"...)
	return http.StatusOK, w.body()
}

// checkedDoc is a document parsed, valid and within the depth limit;
// fast is it compiled as a request for one table (fast.go), or nil;
// shape is the shape of its every answer, or nil when each request has
// its own (staticShape).
type checkedDoc struct {
	doc   *ast.Document
	fast  *fastTable
	shape *answerShape
}

// shapeFor is the shape of the answer to req.
func (d *checkedDoc) shapeFor(schema graphql.Schema, req gqlRequest) *answerShape {
	if d.shape != nil {
		return d.shape
	}
	return responseShape(schema, d.doc, req.OperationName, req.Variables)
}

// parse returns the checked document of a query: within the guard's
// limits (a refusal otherwise), parsed and valid against the schema
// (GraphQL errors otherwise). Checked documents are cached by their text.
func (h *Handler) parse(query string) (*checkedDoc, *refusal, []gqlerrors.FormattedError) {
	if doc := h.docs.get(query); doc != nil {
		return doc, nil, nil
	}
	lim := h.opts.Limits
	if ref := lim.checkText(query); ref != nil {
		return nil, ref, nil
	}
	doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(blankComments(query)), Name: "GraphQL request"})})
	if err != nil {
		return nil, nil, gqlerrors.FormatErrors(err)
	}
	if ref := lim.checkDocument(doc); ref != nil {
		return nil, ref, nil
	}
	if res, ok := h.validate(doc); !ok {
		return nil, refuse(http.StatusBadRequest, CodeBadInput, "", "the query cannot be validated: it is not a GraphQL document that graphql-go can check"), nil
	} else if !res.IsValid {
		h.explainEnums(res.Errors)
		return nil, nil, res.Errors
	}
	checked := &checkedDoc{doc: doc, fast: compileFast(h.schema, doc), shape: staticShape(h.schema, doc)}
	h.docs.put(query, checked)
	return checked, nil, nil
}

// validate runs graphql-go's validation with the spec's rules
// (validationRules); ok is false when it fails on
// the document instead of judging it (documents its parser accepts but
// its rules do not expect, such as a variable without a type).
func (h *Handler) validate(doc *ast.Document) (res graphql.ValidationResult, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			h.opts.Logger.Warn("graphql-go's validation failed on a document", "panic", fmt.Sprint(v))
			ok = false
		}
	}()
	return graphql.ValidateDocument(&h.schema, doc, validationRules), true
}

// refuse answers a request the guard refused, and names the refusal in
// the request's access log line.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, ref *refusal) {
	serve.LogAttrs(r.Context(), slog.String("refused", ref.code))
	writeJSON(w, ref.status, gqlErrors{Errors: []gqlerrors.FormattedError{{Message: ref.Error(), Extensions: ref.Extensions()}}}, "no-store")
}

var expectedType = regexp.MustCompile(`Expected type "(\w+)"`)

// explainEnums adds the valid values to errors about an invalid value of
// an enum (graphql-go names the type but not its values).
func (h *Handler) explainEnums(errs []gqlerrors.FormattedError) {
	for i, e := range errs {
		m := expectedType.FindStringSubmatch(e.Message)
		if m == nil {
			continue
		}
		valid, ok := h.enums[m[1]]
		if !ok {
			continue
		}
		errs[i].Message = strings.ReplaceAll(e.Message, "\n", " ") + " Valid values: " + strings.Join(valid, ", ") + "."
		if errs[i].Extensions == nil {
			errs[i].Extensions = map[string]any{}
		}
		errs[i].Extensions["code"] = CodeBadInput
		errs[i].Extensions["valid"] = valid
	}
}

// requestSum identifies a request: the SHA-256 of the base URL (links in
// answers are absolute), its query, variables and operation.
func requestSum(base string, req gqlRequest) [sha256.Size]byte {
	vars, _ := json.Marshal(req.Variables) // map keys are sorted
	sum := sha256.New()
	for _, part := range [][]byte{[]byte(base), []byte(req.Query), vars, []byte(req.OperationName)} {
		sum.Write([]byte(strconv.Itoa(len(part)) + ":"))
		sum.Write(part)
	}
	return [sha256.Size]byte(sum.Sum(nil))
}

// etag identifies an answer: the lake version and the request (its
// requestSum). The same request against the same version gets the same
// answer, on every instance.
func etag(lakeVersion string, sum [sha256.Size]byte) string {
	return `"` + lakeVersion + "-" + hex.EncodeToString(sum[:8]) + `"`
}

// fail answers an error of the request's own (a 4xx: named in its access
// log line as refused) or of the server's (5xx).
func fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if status < 500 {
		serve.LogAttrs(r.Context(), slog.String("refused", code))
	}
	writeJSON(w, status, errorResponse(message, code), "no-store")
}

func errorResponse(message, code string) gqlErrors {
	return gqlErrors{Errors: []gqlerrors.FormattedError{{Message: message, Extensions: map[string]any{"code": code}}}}
}

func writeJSON(w http.ResponseWriter, status int, body any, cacheControl string) {
	status, b := encodeJSON(status, body)
	writeBytes(w, status, b, cacheControl)
}

// encodingFailed is the answer when an answer cannot be encoded (a float
// that is not finite).
const encodingFailed = `{"errors":[{"message":"encoding the answer failed"}]}` + "\n"

// encodeJSON returns body as JSON, or a 500 with an error if it cannot be
// encoded.
func encodeJSON(status int, body any) (int, []byte) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return http.StatusInternalServerError, []byte(encodingFailed)
	}
	return status, buf.Bytes()
}

func writeBytes(w http.ResponseWriter, status int, b []byte, cacheControl string) {
	writeBody(w, status, body{b}, cacheControl)
}

// writeBody writes an answer's chunks one after the other.
func writeBody(w http.ResponseWriter, status int, b body, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(b.size()))
	w.WriteHeader(status)
	for _, c := range b {
		w.Write(c)
	}
}

// answerKey identifies an answer: the lake version and the request.
type answerKey struct {
	version string
	sum     [sha256.Size]byte
}

// answerCache holds the bytes of successful answers, up to limit bytes in
// all (plain and compressed copies counted); when full it starts over, as
// docCache does (frontends send few distinct requests). Answers of an
// older version are never served: the version is part of the key, and
// they go with the next start-over.
type answerCache struct {
	mu      sync.RWMutex
	limit   int
	size    int
	answers map[answerKey]*cachedAnswer
}

// cachedAnswer is an answer kept, and its gzip, made when a client first
// accepts it.
type cachedAnswer struct {
	body body
	gz   func() []byte
}

// gzipped returns the answer compressed for a request that accepts gzip,
// or nil: the client does not accept it, or the answer is too small to
// gain from it.
func (a *cachedAnswer) gzipped(r *http.Request) []byte {
	if a.body.size() < serve.DefaultGzipMinBytes || !serve.AcceptsGzip(r.Header) {
		return nil
	}
	return a.gz()
}

func newAnswerCache(limit int) *answerCache {
	return &answerCache{limit: limit, answers: map[answerKey]*cachedAnswer{}}
}

func (c *answerCache) get(k answerKey) *cachedAnswer {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.answers[k]
}

func (c *answerCache) put(k answerKey, b body) {
	// One answer may take an eighth of the cache at most, so a few large
	// tables do not keep clearing it.
	n := b.size()
	if n > c.limit/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.answers[k]; ok {
		return
	}
	if c.size+n > c.limit {
		clear(c.answers)
		c.size = 0
	}
	a := &cachedAnswer{body: b}
	a.gz = sync.OnceValue(func() []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		for _, chunk := range b {
			zw.Write(chunk)
		}
		zw.Close()
		c.mu.Lock()
		if c.answers[k] == a {
			c.size += buf.Len()
		}
		c.mu.Unlock()
		return buf.Bytes()
	})
	c.answers[k] = a
	c.size += n
}

// docCache holds checked documents by query text, up to size of them; when
// full it starts over (frontends send few distinct queries).
type docCache struct {
	mu   sync.RWMutex
	size int
	docs map[string]*checkedDoc
}

func newDocCache(size int) *docCache { return &docCache{size: size, docs: map[string]*checkedDoc{}} }

func (c *docCache) get(q string) *checkedDoc {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.docs[q]
}

func (c *docCache) put(q string, doc *checkedDoc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= c.size {
		clear(c.docs)
	}
	c.docs[q] = doc
}
