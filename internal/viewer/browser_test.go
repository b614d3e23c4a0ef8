package viewer

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"

	"github.com/stockholm/insyn/internal/testenv/chromium"
)

var screenshots = flag.Bool("screenshots", false, "write the browser test's screenshots into docs/viewer (for review)")

// cspListener runs in the page before its own script and keeps every
// Content-Security-Policy violation for the test to read.
const cspListener = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`

// shown is what the test reads of the rendered page.
type shown struct {
	Caption   string     `json:"caption"`
	Head      []string   `json:"head"`
	Rows      [][]string `json:"rows"`
	Marks     int        `json:"marks"`
	Notes     []string   `json:"notes"`
	Source    string     `json:"source"`
	Links     []string   `json:"links"`
	Bars      int        `json:"bars"`
	ChartText string     `json:"chartText"`
	Status    string     `json:"status"`
}

const readPage = `(() => {
  const q = (s) => Array.from(document.querySelectorAll(s));
  return {
    caption: (document.querySelector('#tabellen caption') || {}).textContent || '',
    head: q('#tabellen thead th').map((e) => e.textContent),
    rows: q('#tabellen tbody tr').map((tr) => Array.from(tr.children).map((c) => c.textContent)),
    marks: q('#tabellen td.mark').length,
    notes: q('#noter li').map((e) => e.textContent),
    source: document.getElementById('kalla').textContent,
    links: q('#nedladdning a').map((a) => a.textContent + ' ' + a.href),
    bars: q('#diagrammet svg rect.bar').length,
    chartText: document.getElementById('diagramtext').textContent,
    status: document.getElementById('status').textContent,
  };
})()`

// TestBrowser opens the viewer in a real headless Chromium under an API
// Gateway-like stage prefix (/prod) and checks three tables as a visitor
// sees them: a seed table (9:4, by link), a view of a dataset with
// suppressed cells (chosen with the keyboard from the table list, its
// grouping changed), and a bar chart; that each shows its marks, footnotes,
// source and download links that answer; that everything is reachable
// with the Tab key; that a phone-sized window needs no sideways
// scrolling of the page; and that no request leaves the origin, no
// Content-Security-Policy is violated and no script fails. With
// -screenshots it writes the three views into docs/viewer.
func TestBrowser(t *testing.T) {
	bin := chromium.Path(t)
	h := served(t)
	var mu sync.Mutex
	var fetched []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetched = append(fetched, r.URL.String())
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ws := chromium.Start(t, bin, 1100, 1400)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, cancelAlloc := remote.NewAllocator(ctx, ws, remote.NoModifyURL)
	defer cancelAlloc()
	var requests, problems []string
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
				problems = append(problems, "console.error")
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	}))
	defer cancelTab()
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			shot(t, tab, "", "failure")
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("starting the tab", chromedp.Do(tab))
	_, err := chromedp.Call(tab, network.Enable, network.EnableParams{})
	step("Network.enable", err)
	_, err = chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
	step("adding the CSP listener", err)

	// waitTable waits until the table shows rows and no request is pending.
	waitTable := func(what string) shown {
		t.Helper()
		step(what, chromedp.Do(tab, chromedp.Poll[chromedp.Void](
			`document.querySelectorAll('#tabellen tbody tr').length > 0 && document.getElementById('status').textContent === ''`,
			chromedp.WithPollingTimeout(15*time.Second))))
		s, err := chromedp.Run(tab, chromedp.Evaluate[shown](readPage))
		step("reading the page", err)
		return s
	}

	// 1. A seed table by link: 9:4 in 2024.
	base := srv.URL + "/prod/tabell"
	step("loading 9:4", chromedp.Do(tab, chromedp.Navigate(base+"?tabell=rapport-9-4&Tid=2024")))
	seed := waitTable("showing 9:4")
	if !strings.Contains(seed.Caption, "Tabell 9:4") || len(seed.Rows) != 12 || len(seed.Head) != 4 {
		t.Errorf("9:4: caption %q, %d rows, head %q", seed.Caption, len(seed.Rows), seed.Head)
	}
	if seed.Source == "" || !strings.HasPrefix(seed.Source, "Källa: Sociala system") || len(seed.Notes) == 0 {
		t.Errorf("9:4: source %q notes %q", seed.Source, seed.Notes)
	}
	checkLinks(t, srv, seed.Links)
	shot(t, tab, "", "seed-table")

	// 2. Keyboard: Tab reaches the table list first; choosing another
	// table with the arrow keys loads it.
	focused := func() string {
		id, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id || document.activeElement.tagName : ''`))
		step("reading the focus", err)
		return id
	}
	step("tabbing to the table list", chromedp.Do(tab, chromedp.KeyEvent("\t")))
	for i := 0; i < 5 && focused() != "tabell"; i++ {
		step("tabbing", chromedp.Do(tab, chromedp.KeyEvent("\t")))
	}
	if f := focused(); f != "tabell" {
		t.Fatalf("the Tab key reaches %q, not the table list", f)
	}
	var order []string
	for range 12 {
		step("tabbing on", chromedp.Do(tab, chromedp.KeyEvent("\t")))
		order = append(order, focused())
	}
	if !slices.Contains(order, "var-Tid") || !slices.Contains(order, "DIV") || !slices.Contains(order, "A") {
		t.Errorf("Tab goes through %q: no period control, table box (DIV) or link (A)", order)
	}

	// 3. A view of a dataset with suppressed cells: ej verkställda beslut
	// by nämnd and lagrum, chosen from the list by the keyboard.
	step("focusing the table list", chromedp.Do(tab, chromedp.Focus(chromedp.CSS("#tabell"))))
	step("choosing ej_verkstallda-namnd-lagrum", chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.getElementById('tabell'); s.value = 'ej_verkstallda-namnd-lagrum'; s.dispatchEvent(new Event('change')); })()`)))
	step("waiting for its controls", chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS("#var-namnd"))))
	// The grouping: lagrum in columns with its total (the default groups
	// the first two dimensions), the last quarter. A keyboard choice of
	// the period: focus, then ArrowUp (an earlier quarter) and back.
	step("choosing the period by keyboard", chromedp.Do(tab, chromedp.Focus(chromedp.CSS("#var-Tid"))))
	view := waitTable("showing ej_verkstallda-namnd-lagrum")
	_, err = chromedp.Call(tab, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeRawKeyDown, Key: "ArrowUp", Code: "ArrowUp", WindowsVirtualKeyCode: 38})
	step("ArrowUp", err)
	_, err = chromedp.Call(tab, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: "ArrowUp", Code: "ArrowUp", WindowsVirtualKeyCode: 38})
	step("ArrowUp", err)
	step("the URL keeps the choice", chromedp.Do(tab, chromedp.Poll[chromedp.Void](`location.search.includes('Tid=2024-Q1')`, chromedp.WithPollingTimeout(10*time.Second))))
	view = waitTable("showing an earlier quarter")
	if view.Marks == 0 {
		t.Errorf("the view shows no mark: %q", view.Rows)
	}
	if !slicesHasPrefix(view.Notes, "* Uppgiften redovisas ej") {
		t.Errorf("no note on the marks: %q", view.Notes)
	}
	if len(view.Head) != 4 || view.Head[3] != "Totalt" {
		t.Errorf("view head %q, want nämnd, LSS, SoL, Totalt", view.Head)
	}
	checkLinks(t, srv, view.Links)
	shot(t, tab, "", "generic-table")

	// 4. A chart: KBF recipients per district, kön at its total.
	step("loading kbf", chromedp.Do(tab, chromedp.Navigate(base+"?tabell=kbf-namnd-kon&namnd=*&kon=_T&ContentsCode=PERSONS&Tid=2024")))
	chart := waitTable("showing kbf")
	if chart.Bars < 5 || !strings.Contains(chart.ChartText, "Diagram") {
		t.Errorf("chart: %d bars, caption %q", chart.Bars, chart.ChartText)
	}
	shot(t, tab, "#diagram", "chart")

	// 5. A phone: the page fits the width; the table scrolls in its box.
	_, err = chromedp.Call(tab, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 3, Mobile: true})
	step("a phone-sized window", err)
	step("loading 9:4 on a phone", chromedp.Do(tab, chromedp.Navigate(base+"?tabell=rapport-9-4&Tid=2024")))
	waitTable("showing 9:4 on a phone")
	overflow, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	step("measuring", err)
	if overflow > 0 {
		t.Errorf("on a 390 px wide screen the page is %d px wider than the window", overflow)
	}

	violations, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__cspViolations`))
	step("reading the CSP violations", err)
	for _, v := range violations {
		t.Errorf("Content-Security-Policy violation: %s", v)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("in the browser: %s", p)
	}
	for _, r := range requests {
		_, u, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(u, srv.URL+"/prod/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a request outside the API below its stage: %s", r)
		}
	}
	if len(fetched) < 8 {
		t.Errorf("the API got %d requests: %q", len(fetched), fetched)
	}
}

func slicesHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// checkLinks fetches each download link: CSV, XLSX, JSON-stat, PxWeb,
// all answering 200.
func checkLinks(t *testing.T, srv *httptest.Server, links []string) {
	t.Helper()
	if len(links) != 4 {
		t.Errorf("download links %q, want CSV, XLSX, JSON-stat, PxWeb", links)
	}
	for _, l := range links {
		i := strings.LastIndex(l, " ")
		href := l[i+1:]
		resp, err := http.Get(href)
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", l, resp.StatusCode)
		}
		if u, _ := url.Parse(href); !strings.HasPrefix(u.Path, "/prod/pxweb/api/v2/") {
			t.Errorf("%s: not below the stage's PxWeb endpoint", l)
		}
	}
}

// shot captures the page (or the element matching sel) into
// docs/viewer/<name>.png with -screenshots, and into the temporary
// directory when the test failed.
func shot(t *testing.T, tab context.Context, sel, name string) {
	t.Helper()
	if !*screenshots && name != "failure" {
		return
	}
	var png []byte
	var err error
	if sel == "" {
		png, err = chromedp.Run(tab, chromedp.FullScreenshot(100))
	} else {
		png, err = chromedp.Run(tab, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	if err != nil {
		t.Logf("no screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("..", "..", "docs", "viewer")
	if name == "failure" {
		dir = os.TempDir()
		name = "insyn-viewer-browser-test"
	}
	file := filepath.Join(dir, name+".png")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		t.Logf("no screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}
