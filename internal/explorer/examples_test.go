package explorer

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

// gqlAnswer is a GraphQL answer as the API sends it.
type gqlAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// postQuery sends query to /graphql as the explorer's fetcher does (POST,
// JSON) and decodes the answer.
func postQuery(t *testing.T, h http.Handler, query string) gqlAnswer {
	t.Helper()
	body, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a gqlAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("not a GraphQL answer: %v\n%s", err, rec.Body)
	}
	return a
}

// Every example answers, with data and without an error, through the
// handler functions/api serves: an example that stops answering (a
// renamed dataset, dimension or code, a cell disclosure control no longer
// publishes) fails here, not in a visitor's browser.
func TestExamplesAnswer(t *testing.T) {
	h := served(t)
	exs, err := examples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		t.Run(e.File, func(t *testing.T) {
			a := postQuery(t, h, e.Query)
			for _, err := range a.Errors {
				t.Errorf("error: %s", err.Message)
			}
			if len(a.Data) == 0 {
				t.Fatal("no data")
			}
			for field, v := range a.Data {
				if string(v) == "null" || string(v) == "[]" {
					t.Errorf("%s is %s", field, v)
				}
			}
			if cells := regexp.MustCompile(`"cells":\[\]`).FindString(string(a.Data["table"])); cells != "" {
				t.Errorf("a table without cells: %s", a.Data["table"])
			}
		})
	}
}

// There is an example for every dataset the API serves and one of a seed
// table (report 9:4), each a tab titled by a name of its own.
func TestExamplesCoverDatasets(t *testing.T) {
	exs, err := examples()
	if err != nil {
		t.Fatal(err)
	}
	var datasets struct {
		Datasets []struct{ Name string } `json:"datasets"`
	}
	a := postQuery(t, served(t), "{ datasets { name } }")
	if len(a.Errors) > 0 || json.Unmarshal(a.Data["datasets"], &datasets.Datasets) != nil || len(datasets.Datasets) == 0 {
		t.Fatalf("datasets: %+v", a)
	}
	covered := map[string]bool{}
	names := map[string]string{}
	report := false
	datasetArg := regexp.MustCompile(`dataset:\s*"(\w+)"`)
	for _, e := range exs {
		if other, ok := names[e.Name]; ok {
			t.Errorf("%s and %s are both named %s: their tabs would look the same", other, e.File, e.Name)
		}
		names[e.Name] = e.File
		for _, m := range datasetArg.FindAllStringSubmatch(e.Query, -1) {
			covered[m[1]] = true
		}
		report = report || regexp.MustCompile(`report\(id:\s*"9:4"\)`).MatchString(e.Query)
	}
	for _, d := range datasets.Datasets {
		if !covered[d.Name] {
			t.Errorf("dataset %s has no example: add examples/NN-%s.graphql", d.Name, d.Name)
		}
	}
	if !report {
		t.Error(`no example asks for report(id: "9:4")`)
	}
}
