package api

import (
	"flag"
	"os"
	"testing"

	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
)

var update = flag.Bool("update", false, "rewrite schema/api.graphql and the golden files in testdata/")

const schemaFile = "../../schema/api.graphql"

// TestSchemaFile fails when the served schema differs from the committed
// schema/api.graphql (go test ./internal/api -run TestSchemaFile -update
// rewrites it). The file must also parse as GraphQL.
func TestSchemaFile(t *testing.T) {
	s, _, err := newSchema()
	if err != nil {
		t.Fatal(err)
	}
	sdl := SDL(s)
	if _, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(sdl), Name: "api.graphql"})}); err != nil {
		t.Fatalf("the printed schema does not parse: %v\n%s", err, sdl)
	}
	if *update {
		if err := os.WriteFile(schemaFile, []byte(sdl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -run TestSchemaFile -update)", err)
	}
	if string(committed) != sdl {
		t.Errorf("%s differs from the schema the server serves; if the change is meant, run go test ./internal/api -run TestSchemaFile -update and commit the file.\nserved:\n%s", schemaFile, sdl)
	}
}
