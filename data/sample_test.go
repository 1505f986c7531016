package data

import (
	"os"
	"path/filepath"
	"testing"
)

// sampleDir is the public ReDSM5 sample beside the repository
// (<repo>/../shared/data/redsm5-sample), present on the project's machines.
var sampleDir = filepath.Join("..", "..", "shared", "data", "redsm5-sample")

func TestLoadPublicSample(t *testing.T) {
	if _, err := os.Stat(sampleDir); err != nil {
		t.Skipf("public ReDSM5 sample not available at %s (%v); the fixture tests cover the loader", sampleDir, err)
	}
	c, rep, err := Load(sampleDir, DefaultOptions())
	if err != nil {
		t.Fatalf("Load sample: %v", err)
	}
	t.Logf("sample: %s", rep)
	if len(c.Posts) != 17 || len(c.Annotations) != 25 {
		t.Errorf("%d posts, %d annotations; the sample has 17 and 25", len(c.Posts), len(c.Annotations))
	}
	// Every sentence of the sample is paraphrased differently from its post:
	// none is verbatim; most are matched approximately, the rest counted.
	approx, missing := rep.Count(ApproximateSentence), rep.Count(SentenceNotFound)
	if approx+missing != 25 || approx < 15 {
		t.Errorf("approximate %d, not found %d", approx, missing)
	}
	ex, err := BuildCriteria(c, c.PostIDs(), DefaultCriteriaOptions())
	if err != nil || len(ex) < 25 {
		t.Errorf("criteria examples: %d, %v", len(ex), err)
	}
}
