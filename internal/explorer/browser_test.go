package explorer

import (
	"bytes"
	"context"
	"fmt"
	"github.com/stockholm/insyn/internal/serve"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/stockholm/insyn/internal/testenv/chromium"
)

// browserQuery is the query the browser test runs: verkställda beslut on
// ledsagarservice in 2024 by kön with the total, which the sample lake
// answers with Kvinnor 325, Män 403, Totalt 728 (README, "API").
const browserQuery = `query Ledsagarservice2024 {
  table(dataset: "insatser", measure: DECISIONS, period: "2024", groupBy: ["kon"], totals: true,
        filter: [{dimension: "insats", codes: ["ledsagarservice"]}]) {
    cells { display }
  }
}`

// cspListener runs in the page before its own scripts and keeps every
// Content-Security-Policy violation for the test to read.
const cspListener = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`

// TestBrowser opens the explorer in a real headless Chromium, driven over
// the DevTools protocol, under an API Gateway-like stage prefix (/prod): it
// runs a query given by ?query=, clicks GraphiQL's run button and reads the
// rendered result; it requires the example tabs, the schema's
// documentation (GraphiQL's introspection through the relative fetcher),
// the settings dialog, no request to any origin but the API's, no
// Content-Security-Policy violation, no script error and no failed
// request.
//
// Chromium is Debian's, installed by infra/tools.sh; without it the test
// fails (CI must run it).
func TestBrowser(t *testing.T) {
	start := time.Now()
	bin := chromium.Path(t)

	var mu sync.Mutex
	var posts []string // bodies of the POSTs the API got
	h := serve.StripPrefix("/prod", served(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			posts = append(posts, r.URL.Path+" "+string(body))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ws := chromium.Start(t, bin, 1280, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	actx, cancelAlloc := remote.NewAllocator(ctx, ws, remote.NoModifyURL)
	defer cancelAlloc()
	var requests, problems []string
	// From the tab's first event on, in the order Chromium sends them.
	tab, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.Method+" "+ev.Request.URL)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				problems = append(problems, fmt.Sprintf("HTTP %d for %s", ev.Response.Status, ev.Response.URL))
			}
		case *network.EventLoadingFailed:
			problems = append(problems, fmt.Sprintf("loading failed: %s %s", ev.ErrorText, ev.BlockedReason))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console.error: "+strings.Join(args, " "))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}))
	defer cancelTab()
	defer screenshotOnFailure(t, tab)

	pageURL := srv.URL + "/prod/graphiql?query=" + url.QueryEscape(browserQuery)
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s (%s): %v", what, pageURL, err)
		}
	}
	step("starting the tab", chromedp.Do(tab))
	_, err := chromedp.Call(tab, network.Enable, network.EnableParams{})
	step("Network.enable", err)
	_, err = chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
	step("adding the CSP listener", err)
	step("loading the page", chromedp.Do(tab,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
	))
	tabs, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.graphiql-tab-button')).map(b => b.textContent.trim())`))
	step("reading the tabs", err)
	step("running the query", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		chromedp.Poll[chromedp.Void](`(document.querySelector('.result-window') || {innerText: ''}).innerText.includes('"728"')`, chromedp.WithPollingTimeout(15*time.Second)),
	))
	result, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('.result-window').innerText`))
	step("reading the result", err)
	// The documentation explorer shows the schema's fields once GraphiQL's
	// introspection query has been answered.
	step("opening the documentation", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Show Documentation Explorer"]`)),
		chromedp.Poll[chromedp.Void](`(document.querySelector('.graphiql-doc-explorer') || {innerText: ''}).innerText.includes('Query')`, chromedp.WithPollingTimeout(10*time.Second)),
	))
	docs, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('.graphiql-doc-explorer').innerText`))
	step("reading the documentation", err)
	// The settings dialog adds a <style> element while open, which the
	// policy admits by the page's nonce.
	step("opening the settings", chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`.graphiql-sidebar button[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-dialog`)),
	))
	styles, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('style').length`))
	step("counting style elements", err)
	violations, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__cspViolations`))
	step("reading the CSP violations", err)

	// The result pane, as rendered: the three cells in order.
	if !regexp.MustCompile(`(?s)"display": "325".*"display": "403".*"display": "728"`).MatchString(result) {
		t.Errorf("the result pane shows:\n%s", result)
	}
	// The query of the link in the first tab, then a tab per example.
	exs, err := examples()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Ledsagarservice2024"}
	for _, e := range exs {
		want = append(want, e.Name)
	}
	if !slices.Equal(tabs, want) {
		t.Errorf("tabs %q, want %q", tabs, want)
	}
	if !strings.Contains(docs, "query: Query") || !strings.Contains(docs, "ReportCell") {
		t.Errorf("the documentation explorer shows:\n%s", docs)
	}
	if styles == 0 {
		t.Error("the settings dialog added no <style> element: is the nonce still needed?")
	}
	for _, v := range violations {
		t.Errorf("Content-Security-Policy violation: %s", v)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("in the browser: %s", p)
	}
	origin := srv.URL + "/"
	fetched := 0
	for _, r := range requests {
		_, u, _ := strings.Cut(r, " ")
		switch {
		case strings.HasPrefix(u, "data:"):
		case strings.HasPrefix(u, origin):
			fetched++
		default:
			t.Errorf("a request to another origin: %s", r)
		}
	}
	// The page, its 6 assets, GraphiQL's introspection and the query.
	if fetched < 9 {
		t.Errorf("the browser fetched %d URLs of the API, want at least 9: %q", fetched, requests)
	}
	// The fetcher posts to graphql relative to the page: below the stage.
	introspected, ran := false, false
	for _, p := range posts {
		path, body, _ := strings.Cut(p, " ")
		if path != "/prod/graphql" {
			t.Errorf("a POST to %s, want /prod/graphql (relative to the page)", path)
		}
		introspected = introspected || strings.Contains(body, "IntrospectionQuery")
		ran = ran || strings.Contains(body, "Ledsagarservice2024")
	}
	if !introspected || !ran {
		t.Errorf("the API got no introspection (%v) or no query (%v): %d POSTs", introspected, ran, len(posts))
	}
	t.Logf("%d requests to %s and data: URLs; %s from Chromium's start to the checked result", len(requests), srv.URL, time.Since(start).Round(time.Millisecond))
}

// screenshotOnFailure saves what the browser shows when the test failed,
// for a person to look at.
func screenshotOnFailure(t *testing.T, ctx context.Context) {
	if !t.Failed() {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	file := filepath.Join(os.TempDir(), "insyn-explorer-browser-test.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("what the browser showed: %s", file)
}
