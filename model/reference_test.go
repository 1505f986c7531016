//go:build gotch

package model

import (
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sugarme/gotch"
)

// writeReference regenerates testdata/reference/ (inputs and activations)
// with scripts/model-reference.py:
//
//	go test -tags gotch -run TestReferenceActivations ./model -args -write-reference
var writeReference = flag.Bool("write-reference", false, "rewrite testdata/reference with scripts/model-reference.py")

// referenceTolerance is the largest |Go - reference| allowed per value.
const referenceTolerance = 1e-4

type referenceInputs struct {
	IDs     [][]int64 `json:"ids"`
	TypeIDs [][]int64 `json:"type_ids"`
	Mask    [][]int64 `json:"mask"`
}

type referenceOutput struct {
	Backend string    `json:"backend"`
	Shape   []int64   `json:"shape"`
	Values  []float64 `json:"values"`
}

// referenceModels are the tiny models checked; ELECTRA with a narrower
// embedding exercises embeddings_project, and one model uses the tanh GELU.
var referenceModels = map[string]func(*TinyConfig){
	"bert":        nil,
	"roberta":     func(c *TinyConfig) { c.HiddenAct = "gelu_new"; c.Seed = 2 },
	"xlm-roberta": func(c *TinyConfig) { c.Seed = 3 },
	"electra":     func(c *TinyConfig) { c.EmbeddingSize = 16; c.Seed = 4 },
	"deberta-v2":  func(c *TinyConfig) { c.EmbeddingSize = 16; c.Seed = 5 },
}

func TestReferenceActivations(t *testing.T) {
	python := referencePython(t)
	for mt, mutate := range referenceModels {
		t.Run(mt, func(t *testing.T) {
			dir, _ := writeTiny(t, mt, mutate)
			p, err := Load(dir, LoadOptions{Device: gotch.CPU, MaxLength: 32})
			if err != nil {
				t.Fatal(err)
			}
			checkReference(t, python, dir, mt, p)
		})
	}
}

// checkReference compares p's last hidden state on the fixture pairs with
// testdata/reference/<name>.json (and, unless regenerating it, with a
// fresh run of the script when python is set); with -write-reference it
// first rewrites the inputs and the reference.
func checkReference(t *testing.T, python, dir, name string, p *Pretrained) {
	t.Helper()
	inputs := batchInputs(encodeFixture(t, p))
	got := forwardValues(t, p, inputs)
	inPath := filepath.Join("testdata", "reference", name+".inputs.json")
	refPath := filepath.Join("testdata", "reference", name+".json")
	if *writeReference {
		writeJSONFile(t, inPath, inputs)
		runReference(t, python, dir, inPath, refPath)
	}
	var committedIn referenceInputs
	readJSONFile(t, inPath, &committedIn)
	if !reflect.DeepEqual(committedIn, inputs) {
		t.Fatalf("tokenized fixture differs from %s; the tokenizer or the vocabulary changed (rerun with -write-reference)", inPath)
	}
	var committed referenceOutput
	readJSONFile(t, refPath, &committed)
	compareReference(t, got, committed, refPath)
	if python != "" && !*writeReference {
		fresh := filepath.Join(t.TempDir(), "ref.json")
		runReference(t, python, dir, inPath, fresh)
		var out referenceOutput
		readJSONFile(t, fresh, &out)
		compareReference(t, got, out, "fresh "+out.Backend+" reference")
	}
}

// referencePython is $SUPERMAX_REFERENCE_PYTHON, else the project venv's
// python (it has numpy; scripts/python-env.sh builds it), when it can import
// numpy; else "" and only the committed references are compared.
func referencePython(t *testing.T) string {
	if p := os.Getenv("SUPERMAX_REFERENCE_PYTHON"); p != "" {
		return p
	}
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache", "supermax-hpo")
	}
	python := filepath.Join(cache, "venv", "bin", "python")
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		if *writeReference {
			t.Fatalf("-write-reference needs %s with numpy: %v", python, err)
		}
		t.Logf("no python with numpy at %s (%v): comparing with committed references only", python, err)
		return ""
	}
	return python
}

func runReference(t *testing.T, python, modelDir, inPath, outPath string) {
	t.Helper()
	cmd := exec.Command(python, filepath.Join("..", "scripts", "model-reference.py"),
		"--model", modelDir, "--inputs", inPath, "--out", outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("model-reference.py: %v\n%s", err, out)
	}
}

func batchInputs(b Batch) referenceInputs {
	var in referenceInputs
	for i := 0; i < b.Size; i++ {
		row := func(xs []int64) []int64 { return append([]int64(nil), xs[i*b.Len:(i+1)*b.Len]...) }
		in.IDs = append(in.IDs, row(b.IDs))
		in.TypeIDs = append(in.TypeIDs, row(b.TypeIDs))
		in.Mask = append(in.Mask, row(b.Mask))
	}
	return in
}

func forwardValues(t *testing.T, p *Pretrained, in referenceInputs) referenceOutput {
	t.Helper()
	b := Batch{Size: len(in.IDs), Len: len(in.IDs[0])}
	for i := range in.IDs {
		b.IDs = append(b.IDs, in.IDs[i]...)
		b.TypeIDs = append(b.TypeIDs, in.TypeIDs[i]...)
		b.Mask = append(b.Mask, in.Mask[i]...)
	}
	out, err := p.Encoder.ForwardBatch(b, gotch.CPU, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.MustDrop()
	return referenceOutput{Backend: "gotch", Shape: out.MustSize(), Values: out.Float64Values()}
}

func compareReference(t *testing.T, got, want referenceOutput, what string) {
	t.Helper()
	if !reflect.DeepEqual(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, Go encoder %v", what, want.Shape, got.Shape)
	}
	worst, at := 0.0, 0
	for i := range got.Values {
		if d := math.Abs(got.Values[i] - want.Values[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if !(worst < referenceTolerance) {
		t.Fatalf("%s (%s): max |diff| %.3g at flat index %d (Go %v, ref %v), want < %g",
			what, want.Backend, worst, at, got.Values[at], want.Values[at], referenceTolerance)
	}
	t.Logf("%s (%s): max |diff| %.2e over %d values", what, want.Backend, worst, len(got.Values))
}
