package model

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// parityDir holds the tokenizers and Hugging Face's outputs that
// testdata/tokenizers/make_parity.py made (see the README there).
var parityDir = filepath.Join("testdata", "tokenizers", "parity")

type parityCase struct {
	Text      string `json:"text"`
	Pair      string `json:"pair"`
	MaxLength int    `json:"max_length"`
}

type parityResult struct {
	IDs     []int64  `json:"ids"`
	TypeIDs []int64  `json:"type_ids"`
	Special []int64  `json:"special"`
	Offsets [][2]int `json:"offsets"`
}

func readParity(t testing.TB) (cases []parityCase, results map[string][]parityResult) {
	t.Helper()
	f, err := os.Open(filepath.Join(parityDir, "expected.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases   []parityCase              `json:"cases"`
		Results map[string][]parityResult `json:"results"`
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for name, rs := range doc.Results {
		if len(rs) != len(doc.Cases) {
			t.Fatalf("%s: %d results for %d cases", name, len(rs), len(doc.Cases))
		}
	}
	return doc.Cases, doc.Results
}

// parityFolders returns the model folder of every tokenizer in the
// references, and for the DeBERTa one also loaded from the tokenizer.json
// that transformers converted (under the key name+" tokenizer.json").
func parityFolders(t *testing.T) map[string]string {
	t.Helper()
	dirs := map[string]string{}
	for _, name := range []string{"bert-uncased", "bert-cased", "roberta", "xlm-roberta", "deberta-v3", "sp-unigram"} {
		dirs[name] = filepath.Join(parityDir, name)
	}
	spm, err := os.ReadFile(filepath.Join(parityDir, "deberta-v3", "spm.model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(parityDir, "deberta-v3-lower-punct", "tokenizer_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	lp := t.TempDir()
	writeFile(t, filepath.Join(lp, "spm.model"), spm)
	writeFile(t, filepath.Join(lp, "tokenizer_config.json"), cfg)
	dirs["deberta-v3-lower-punct"] = lp
	conv, err := os.ReadFile(filepath.Join(parityDir, "deberta-v3-lower-punct.converted.json"))
	if err != nil {
		t.Fatal(err)
	}
	cj := t.TempDir()
	writeFile(t, filepath.Join(cj, "tokenizer.json"), conv)
	dirs["deberta-v3-lower-punct tokenizer.json"] = cj
	return dirs
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTokenizerParityWithHuggingFace encodes every reference case (over
// 1,300 texts and pairs: fixture sentences, accents, full-width forms, odd
// spaces, control characters, emoji, long words, special tokens in the
// text, truncated pairs) with each family's tokenizer — WordPiece uncased
// and cased (BERT, ELECTRA), byte-level BPE (RoBERTa), Unigram with the
// nmt_nfkc charsmap (XLM-R, DeBERTa-v3 from spm.model, with and without
// do_lower_case/split_by_punct, and its converted tokenizer.json), and
// tokenizers' own SentencePiece Unigram (Nmt, NFKC) — and requires Hugging
// Face's ids, type ids, special-token mask and offsets, all of them.
func TestTokenizerParityWithHuggingFace(t *testing.T) {
	cases, results := readParity(t)
	if len(cases) < 1000 {
		t.Fatalf("only %d reference cases", len(cases))
	}
	dirs := parityFolders(t)
	names := make([]string, 0, len(dirs))
	for name := range dirs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ref := name
		if r, ok := map[string]string{"deberta-v3-lower-punct tokenizer.json": "deberta-v3-lower-punct"}[name]; ok {
			ref = r
		}
		want, ok := results[ref]
		if !ok {
			t.Fatalf("no references for %s", ref)
		}
		t.Run(name, func(t *testing.T) {
			toks := map[int]*Tokenizer{}
			mismatches, compared := 0, 0
			for i, c := range cases {
				ml := c.MaxLength
				if ml == 0 {
					ml = 1 << 20
				}
				tok := toks[ml]
				if tok == nil {
					var err error
					if tok, err = NewTokenizer(dirs[name], ml); errors.Is(err, ErrBadInput) {
						// A max_length without room for a pair after the special
						// tokens is refused (Hugging Face truncates to nonsense).
						continue
					} else if err != nil {
						t.Fatal(err)
					}
					toks[ml] = tok
				}
				compared++
				got, err := tok.Encode(c.Text, c.Pair)
				if err != nil {
					t.Fatalf("case %d %q/%q: %v", i, c.Text, c.Pair, err)
				}
				w := want[i]
				if diff := parityDiff(got, w); diff != "" {
					mismatches++
					if mismatches <= 5 {
						t.Errorf("case %d %q / %q (max_length %d): %s", i, c.Text, c.Pair, c.MaxLength, diff)
					}
				}
			}
			if compared < 1000 {
				t.Errorf("only %d cases compared", compared)
			}
			if mismatches > 0 {
				t.Errorf("%d of %d cases differ from Hugging Face", mismatches, compared)
			}
			t.Logf("%d cases compared, %d differ", compared, mismatches)
		})
	}
}

func parityDiff(got Encoded, w parityResult) string {
	norm := func(xs []int64) []int64 {
		if xs == nil {
			return []int64{}
		}
		return xs
	}
	switch {
	case !reflect.DeepEqual(norm(got.IDs), norm(w.IDs)):
		return fmt.Sprintf("ids %v, want %v", got.IDs, w.IDs)
	case !reflect.DeepEqual(norm(got.TypeIDs), norm(w.TypeIDs)):
		return fmt.Sprintf("type ids %v, want %v", got.TypeIDs, w.TypeIDs)
	case !reflect.DeepEqual(norm(got.Special), norm(w.Special)):
		return fmt.Sprintf("special mask %v, want %v", got.Special, w.Special)
	case len(got.Offsets) != len(w.Offsets):
		return fmt.Sprintf("%d offsets, want %d", len(got.Offsets), len(w.Offsets))
	}
	for i := range got.Offsets {
		if got.Offsets[i] != w.Offsets[i] {
			return fmt.Sprintf("offsets %v, want %v (first difference at token %d)", got.Offsets, w.Offsets, i)
		}
	}
	return ""
}

// TestParityReferencesAreHuggingFaces re-derives the committed references:
// it runs make_parity.py --check, which loads the committed tokenizer
// folders with the pinned Hugging Face libraries and fails unless they give
// expected.json.gz exactly. It needs the project venv with those libraries
// (scripts/python-env.sh, which `make test` runs first): once that script
// has recorded them in the venv, a venv that cannot run the check fails the
// test; without that venv (a bare `go test`) it is skipped, and the parity
// test above still compares with the committed references.
func TestParityReferencesAreHuggingFaces(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: re-deriving the references with Python takes a while")
	}
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skip("no home directory for the project venv")
		}
		cache = filepath.Join(home, ".cache", "supermax-hpo")
	}
	venv := filepath.Join(cache, "venv")
	stamp, err := os.ReadFile(filepath.Join(venv, ".supermax-requirements"))
	if err != nil || !strings.Contains(string(stamp), "tokenizers==") {
		t.Skipf("no venv with Hugging Face tokenizers at %s (scripts/python-env.sh makes it): committed references only", venv)
	}
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), filepath.Join("testdata", "tokenizers", "make_parity.py"), "--check")
	cmd.Env = append(os.Environ(), "RAYON_NUM_THREADS=1", "TRANSFORMERS_VERBOSITY=error", "HF_HUB_OFFLINE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make_parity.py --check: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

// BenchmarkTokenizerEncode encodes the fixture's (sentence, criterion
// explanation) pairs with each parity tokenizer, max_length 512 (see
// docs/benchmarks.md for the numbers against Hugging Face).
func BenchmarkTokenizerEncode(b *testing.B) {
	cases, _ := readParity(b)
	var pairs [][2]string
	for _, c := range cases {
		if c.Pair != "" && c.MaxLength == 0 {
			pairs = append(pairs, [2]string{c.Text, c.Pair})
		}
	}
	for _, name := range []string{"bert-uncased", "roberta", "xlm-roberta", "deberta-v3"} {
		tok, err := NewTokenizer(filepath.Join(parityDir, name), 512)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p := pairs[i%len(pairs)]
				if _, err := tok.Encode(p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
