package hftok

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var parityDir = filepath.Join("..", "testdata", "tokenizers", "parity")

// sweepDomain is make_parity.py's: planes 0 and 1, every 97th code point
// above, no surrogates.
func sweepDomain() []rune {
	var out []rune
	for cp := rune(0); cp < 0x110000; cp++ {
		if cp >= 0x20000 && (cp-0x20000)%97 != 0 || cp >= 0xD800 && cp <= 0xDFFF {
			continue
		}
		out = append(out, cp)
	}
	return out
}

// TestUnicodeSweep runs every code point of sweepDomain, between "a" and
// "b", through the normalizers and pre-tokenizers of the parity tokenizers
// and requires the digests of Hugging Face's outputs in
// parity/sweep.json (make_parity.py --sweep). It pins the Unicode tables
// (categories, decompositions, case, graphemes, hfUnknownRanges) to
// Hugging Face's. With HFTOK_SWEEP_DUMP naming the file that
// `make_parity.py --sweep FILE` writes, it lists the differing code points.
func TestUnicodeSweep(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(parityDir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Digests map[string]struct {
			Changed int    `json:"changed"`
			SHA256  string `json:"sha256"`
		} `json:"digests"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var dump map[string]map[string]string
	if p := os.Getenv("HFTOK_SWEEP_DUMP"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &dump); err != nil {
			t.Fatal(err)
		}
	}
	domain := sweepDomain()
	keys := make([]string, 0, len(doc.Digests))
	for k := range doc.Digests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 7 {
		t.Fatalf("sweep.json has %d digests", len(keys))
	}
	for _, key := range keys {
		want := doc.Digests[key]
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			name, kind, _ := strings.Cut(key, " ")
			path := filepath.Join(parityDir, name, "tokenizer.json")
			if strings.HasSuffix(name, ".json") {
				path = filepath.Join(parityDir, name)
			}
			tk, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			changed := 0
			var bad []string
			for _, cp := range domain {
				s := "a" + string(cp) + "b"
				var out string
				switch kind {
				case "normalizer":
					n := newNormString(s)
					tk.normalizer.normalize(n)
					out = n.norm
				case "pre_tokenizer":
					var parts []string
					for _, sp := range tk.pre.preTokenize([]split{{n: newNormString(s)}}) {
						parts = append(parts, sp.n.norm)
					}
					out = strings.Join(parts, "\x1f")
				default:
					t.Fatalf("unknown kind %q", kind)
				}
				if out == s {
					out = ""
				} else {
					changed++
					fmt.Fprintf(h, "%X\t%s\n", cp, out)
				}
				if dump != nil {
					if w := dump[key][fmt.Sprintf("%X", cp)]; w != out && len(bad) < 20 {
						bad = append(bad, fmt.Sprintf("U+%04X: %q, Hugging Face %q", cp, out, w))
					}
				}
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 || changed != want.Changed {
				t.Errorf("%d code points changed (Hugging Face: %d), digest %s, want %s; differing: %v",
					changed, want.Changed, got, want.SHA256, bad)
			}
		})
	}
}
