//go:build gotch

package main

import (
	"math/rand/v2"
	"testing"
)

func TestParseAgent(t *testing.T) {
	for _, ok := range []string{"criteria", "evidence"} {
		if got, err := parseAgent(ok); err != nil || got != ok {
			t.Errorf("parseAgent(%q) = %q, %v; want %q, nil", ok, got, err, ok)
		}
	}
	for _, bad := range []string{"", "Evidence", "span"} {
		if _, err := parseAgent(bad); err == nil {
			t.Errorf("parseAgent(%q): no error", bad)
		}
	}
}

func TestEvidenceLayout(t *testing.T) {
	if n, err := evidenceLayout(128); err != nil || n != 128-3-evidenceCriterionLen {
		t.Errorf("evidenceLayout(128) = %d, %v", n, err)
	}
	if n, err := evidenceLayout(4 + evidenceCriterionLen); err != nil || n != 1 {
		t.Errorf("evidenceLayout(min) = %d, %v; want 1, nil", n, err)
	}
	if _, err := evidenceLayout(3 + evidenceCriterionLen); err == nil {
		t.Error("evidenceLayout with no room for text: no error")
	}
}

// TestRandomEvidenceBatch checks that every answer lies at allowed
// positions, start <= end, half the windows are null, and the criterion
// (and only it, with its final [SEP]) has token type 1.
func TestRandomEvidenceBatch(t *testing.T) {
	const batch, seq, vocab = 9, 40, 50
	text, err := evidenceLayout(seq)
	if err != nil {
		t.Fatal(err)
	}
	d := randomEvidenceBatch(rand.New(rand.NewPCG(3, 4)), batch, seq, text, vocab)
	nulls := 0
	for i := 0; i < batch; i++ {
		row := i * seq
		s, e := d.starts[i], d.ends[i]
		if s > e || d.allowed[row+int(s)] != 1 || d.allowed[row+int(e)] != 1 {
			t.Errorf("window %d: answer [%d, %d] not allowed or reversed", i, s, e)
		}
		if s == 0 {
			nulls++
			if e != 0 {
				t.Errorf("window %d: null start with end %d", i, e)
			}
		}
		allowed := 0
		for k := 0; k < seq; k++ {
			allowed += int(d.allowed[row+k])
			if id := d.b.IDs[row+k]; id < 5 || id >= vocab {
				t.Errorf("window %d token %d: id %d outside [5, %d)", i, k, id, vocab)
			}
			if want := int64(0); k >= 2+text {
				want = 1
				if d.b.TypeIDs[row+k] != want {
					t.Errorf("window %d token %d: type %d, want 1", i, k, d.b.TypeIDs[row+k])
				}
			} else if d.b.TypeIDs[row+k] != want {
				t.Errorf("window %d token %d: type %d, want 0", i, k, d.b.TypeIDs[row+k])
			}
		}
		if allowed != 1+text || d.allowed[row+1+text] != 0 {
			t.Errorf("window %d: %d allowed positions, want %d ending before the [SEP]", i, allowed, 1+text)
		}
	}
	if nulls != (batch+1)/2 {
		t.Errorf("%d null windows, want %d", nulls, (batch+1)/2)
	}
}
