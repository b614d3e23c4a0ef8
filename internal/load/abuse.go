package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stockholm/insyn/internal/api"
)

// Abuse is one abusive request as a client sends it to the API's GraphQL
// endpoint (api.Path).
type Abuse struct {
	// Name says what the request is, e.g. "fragment cycle (GET)".
	Name string
	// Method is GET (Query in ?query=) or POST (a JSON body).
	Method string
	// Query is the GraphQL text. Each time it is sent a comment with a
	// running number is appended, so that no answer or parsed document
	// comes from the API's caches, as an attacker varies a request.
	Query string
	// Body, when set, is the POST body as it is, instead of one made from
	// Query.
	Body []byte
}

// request returns the n-th sending of a to target.
func (a Abuse) request(ctx context.Context, target string, n int) (*http.Request, error) {
	u := target + api.Path
	q := a.Query + "\n# " + strconv.Itoa(n)
	if a.Method == http.MethodGet {
		return http.NewRequestWithContext(ctx, http.MethodGet, u+"?query="+url.QueryEscape(q), nil)
	}
	body := a.Body
	if body == nil {
		var err error
		if body, err = json.Marshal(map[string]string{"query": q}); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, a.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// Sizes of the abusive requests of Abuses: those outsiders sent (issue 15).
const (
	// NestedListDepth and DeepNestedListDepth nest groupBy's list literal
	// (742 bytes and 60 KB).
	NestedListDepth     = 320
	DeepNestedListDepth = 30000
	// SelectionDepth nests selections (52 KB).
	SelectionDepth = 6500
	// FragmentChainLevels doubles the paths through fragments at each
	// level: 2^22 paths in 1.4 KB.
	FragmentChainLevels = 22
	// RepeatedFields is how often one field is asked for in one request.
	RepeatedFields = 2000
	// SchemaAliases is how many aliases of __schema one request has:
	// 60 KB asking for a 51 MB answer.
	SchemaAliases = 2500
	// OversizedBodyBytes is three times serve's default body limit (and
	// under the 256 KiB Go's server reads off a body its handler left, to
	// keep the connection).
	OversizedBodyBytes = 192 << 10
)

// Abuses returns the abusive requests a client of the fairness scenario
// sends in turn: those of issue 15, each by POST and, when its URL stays
// under the server's header limit (larger ones never reach the API: Go's
// server answers 431), by GET; then an oversized body, malformed JSON,
// and valid requests for the largest tables at the cell limit.
func Abuses() []Abuse {
	both := func(name, query string) []Abuse {
		return []Abuse{{Name: name + " (POST)", Method: http.MethodPost, Query: query}, {Name: name + " (GET)", Method: http.MethodGet, Query: query}}
	}
	post := func(name, query string) Abuse {
		return Abuse{Name: name + " (POST)", Method: http.MethodPost, Query: query}
	}
	var out []Abuse
	out = append(out, both("fragment cycle", FragmentCycle())...)
	out = append(out, both(fmt.Sprintf("list nested %d deep", NestedListDepth), NestedList(NestedListDepth))...)
	out = append(out, post(fmt.Sprintf("list nested %d deep", DeepNestedListDepth), NestedList(DeepNestedListDepth)))
	out = append(out, post(fmt.Sprintf("selection nested %d deep", SelectionDepth), DeepSelection(SelectionDepth)))
	out = append(out, both(fmt.Sprintf("fragment chain of %d doublings", FragmentChainLevels), FragmentChain(FragmentChainLevels))...)
	out = append(out, post(fmt.Sprintf("%d repeated report fields", RepeatedFields), RepeatedField(RepeatedFields)))
	out = append(out, post(fmt.Sprintf("%d aliases of __schema", SchemaAliases), SchemaAliasesQuery(SchemaAliases)))
	out = append(out,
		Abuse{Name: fmt.Sprintf("body of %d KiB (POST)", OversizedBodyBytes>>10), Method: http.MethodPost, Body: OversizedBody(OversizedBodyBytes)},
		Abuse{Name: "malformed JSON (POST)", Method: http.MethodPost, Body: MalformedJSON()},
		post("largest tables at the cell limit", LargestTables()),
	)
	return out
}

// FragmentCycle is a fragment that spreads itself, which the GraphQL spec
// forbids (graphql-go v0.8.1's overlapping-fields rule recurses on it
// without end).
func FragmentCycle() string {
	return `{ lake { ...A } } fragment A on Lake { version ...A }`
}

// NestedList asks for a table whose groupBy is a list literal nested depth
// deep around one dimension name.
func NestedList(depth int) string {
	return `{table(dataset:"insatser",measure:DECISIONS,period:"2024",groupBy:` +
		strings.Repeat("[", depth) + `"kon"` + strings.Repeat("]", depth) + `){unit}}`
}

// DeepSelection nests selections depth deep: __schema, its types, and
// ofType within ofType, each a valid field of introspection.
func DeepSelection(depth int) string {
	if depth < 3 {
		depth = 3
	}
	return "{__schema{types{" + strings.Repeat("ofType{", depth-3) + "name" + strings.Repeat("}", depth)
}

// FragmentChain chains levels fragments, each spreading the next twice
// through two inline fragments, so that the paths to the last one's field
// double at each level: 2^levels of them.
func FragmentChain(levels int) string {
	var b strings.Builder
	b.WriteString("{...F0}\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query{...on Query{...F%d}...on Query{...F%d}}\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query{__typename}", levels)
	return b.String()
}

// RepeatedField asks n times for the same field, report(id:"9:4"){number},
// without aliases.
func RepeatedField(n int) string {
	return "{" + strings.Repeat(`report(id:"9:4"){number} `, n) + "}"
}

// SchemaAliasesQuery asks for __schema's types under n aliases (at most
// 52*52), each answered with the whole list of the schema's types.
func SchemaAliasesQuery(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b strings.Builder
	b.WriteString("{")
	for i := range min(n, len(letters)*len(letters)) {
		b.WriteByte(letters[i/len(letters)])
		b.WriteByte(letters[i%len(letters)])
		b.WriteString(":__schema{types{name}}")
	}
	b.WriteString("}")
	return b.String()
}

// OversizedBody is a valid GraphQL request padded with spaces to size
// bytes.
func OversizedBody(size int) []byte {
	head, tail := `{"query":"{ lake { version } }`, `"}`
	return []byte(head + strings.Repeat(" ", max(0, size-len(head)-len(tail))) + tail)
}

// MalformedJSON is a request body cut short inside its JSON.
func MalformedJSON() []byte {
	return []byte(`{"query": "{ lake { version } }", "variables": {"a": [1, 2`)
}

// LargestTableCells is the cells of the table LargestTables asks for four
// times on the sample lake: insatser by nämnd × insats × kön with totals,
// three years (13 × 20 × 3 × 3).
const LargestTableCells = 2340

// LargestTables asks for the largest table of the sample lake's insatser
// under four aliases, 9 360 cells together, under the API's default limit
// of 10 000 cells per request: valid and as heavy as a request may be.
func LargestTables() string {
	const table = `table(dataset:"insatser",measure:DECISIONS,period:"2022/2024",groupBy:["namnd","insats","kon"],totals:true)` +
		`{unit source version footnotes cells{period coordinates{dimension code label total} value mark display}}`
	var b strings.Builder
	b.WriteString("{")
	for i := range 4 {
		fmt.Fprintf(&b, "t%d:%s ", i, table)
	}
	b.WriteString("}")
	return b.String()
}

// AbuseConfig is a run of abusive clients.
type AbuseConfig struct {
	// Target is the API's base URL.
	Target string
	// Abuses are sent in turn, each client taking the next.
	Abuses []Abuse
	// Clients is the number of abusive requests in flight.
	Clients int
	// Duration bounds the time new requests are started; requests in
	// flight then finish, or end with the context.
	Duration time.Duration
	// Timeout bounds each request (default DefaultAbuseTimeout); the
	// client then sends its next one, as an attacker does.
	Timeout time.Duration
}

// DefaultAbuseTimeout is how long an abusive client waits for an answer.
const DefaultAbuseTimeout = 10 * time.Second

// AbuseResult is what a run of abusive clients saw.
type AbuseResult struct {
	// Requests is the number of requests sent.
	Requests int
	// Outcomes counts them by outcome.
	Outcomes Outcomes
	// Cases holds the same per request of AbuseConfig.Abuses, in order.
	Cases []AbuseCase
}

// AbuseCase is what the sendings of one abusive request saw.
type AbuseCase struct {
	// Name is the Abuse's name; Bytes the size of its first sending (the
	// body of a POST, the URL of a GET).
	Name  string
	Bytes int
	// Sent is how often it was sent, Outcomes how those ended.
	Sent     int
	Outcomes Outcomes
	// P50 and Max are latencies over its sendings.
	P50, Max time.Duration
}

// RunAbuse sends the abusive requests from cfg.Clients clients until
// cfg.Duration is up and counts how they ended. A request the transport
// sent again after the server closed its connection without an answer
// (Go's client does so for a GET on a reused connection) counts as an
// empty reply.
func RunAbuse(ctx context.Context, cfg AbuseConfig) (AbuseResult, error) {
	switch {
	case cfg.Target == "":
		return AbuseResult{}, errors.New("load: no target URL")
	case len(cfg.Abuses) == 0:
		return AbuseResult{}, errors.New("load: no abusive requests")
	case cfg.Clients < 1:
		return AbuseResult{}, fmt.Errorf("load: %d abusive clients: give 1 or more", cfg.Clients)
	case cfg.Duration <= 0:
		return AbuseResult{}, fmt.Errorf("load: abusive run of %s: give a positive duration", cfg.Duration)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultAbuseTimeout
	}
	client := &http.Client{Timeout: timeout}
	res := AbuseResult{Outcomes: Outcomes{}, Cases: make([]AbuseCase, len(cfg.Abuses))}
	times := make([][]time.Duration, len(cfg.Abuses))
	for i, a := range cfg.Abuses {
		res.Cases[i] = AbuseCase{Name: a.Name, Outcomes: Outcomes{}}
		req, err := a.request(ctx, cfg.Target, 0)
		if err != nil {
			return AbuseResult{}, fmt.Errorf("load: %s: %w", a.Name, err)
		}
		res.Cases[i].Bytes = int(req.ContentLength)
		if a.Method == http.MethodGet {
			res.Cases[i].Bytes = len(req.URL.String())
		}
	}
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	deadline := time.Now().Add(cfg.Duration)
	for range cfg.Clients {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := int(next.Add(1) - 1)
				i := n % len(cfg.Abuses)
				t := time.Now()
				o := sendAbuse(ctx, client, cfg.Abuses[i], cfg.Target, n)
				d := time.Since(t)
				mu.Lock()
				res.Requests++
				res.Outcomes[o]++
				res.Cases[i].Sent++
				res.Cases[i].Outcomes[o]++
				times[i] = append(times[i], d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i, ts := range times {
		if len(ts) > 0 {
			slices.Sort(ts)
			res.Cases[i].P50, res.Cases[i].Max = Percentile(ts, 0.50), ts[len(ts)-1]
		}
	}
	return res, nil
}

// sendAbuse sends the n-th request, a, reads its answer and returns how it
// ended.
func sendAbuse(ctx context.Context, client *http.Client, a Abuse, target string, n int) Outcome {
	var conns atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { conns.Add(1) }})
	req, err := a.request(ctx, target, n)
	if err != nil {
		return OtherError
	}
	resp, err := client.Do(req)
	if err != nil {
		return failure(err, false)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return failure(err, true)
	}
	if conns.Load() > 1 {
		return EmptyReply
	}
	return statusOutcome(resp.StatusCode)
}
