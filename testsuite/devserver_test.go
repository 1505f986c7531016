package testsuite

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/redsm5/supermax-hpo/workflows"
)

// TestDevServerScriptMatches keeps scripts/dev-server.sh (make dev-server)
// and the tests' dev server on the same search attributes and dynamic config.
func TestDevServerScriptMatches(t *testing.T) {
	script, err := os.ReadFile("../scripts/dev-server.sh")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*(--search-attribute|--dynamic-config-value) (\S+)\s*$`)
	var fromScript []string
	for _, m := range re.FindAllStringSubmatch(string(script), -1) {
		fromScript = append(fromScript, m[1], m[2])
	}
	if want := DevServerExtraArgs(); !slices.Equal(fromScript, want) {
		t.Fatalf("scripts/dev-server.sh passes\n  %q\nthe tests pass\n  %q", fromScript, want)
	}
}

// TestDevServerRegistersSearchAttributes starts the real dev server and
// checks that every search attribute the workflows upsert exists with its type.
func TestDevServerRegistersSearchAttributes(t *testing.T) {
	srv := StartDevServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := srv.Client().OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sa := range workflows.SearchAttributes() {
		got, ok := resp.GetCustomAttributes()[sa.Name]
		if !ok {
			t.Errorf("search attribute %s not registered", sa.Name)
			continue
		}
		want := enums.IndexedValueType(enums.IndexedValueType_value["INDEXED_VALUE_TYPE_"+strings.ToUpper(sa.Type)])
		if got != want {
			t.Errorf("search attribute %s has type %v, want %v", sa.Name, got, want)
		}
	}
}
