package main

import (
	"slices"
	"testing"
)

// TestBatchOfOneIsSequential: batches of one are the sequential run, and
// larger batches still give one best value per trial, never increasing.
func TestBatchOfOneIsSequential(t *testing.T) {
	probs, err := problems()
	if err != nil {
		t.Fatal(err)
	}
	samplers, err := benchSamplers()
	if err != nil {
		t.Fatal(err)
	}
	p, s := probs[0], samplers[1]
	seq, err := bestSoFar(s.s, p, 3, 30)
	if err != nil {
		t.Fatal(err)
	}
	one, err := bestSoFarBatched(s.s, p, 3, 30, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seq, one) {
		t.Fatalf("batch 1 %v differs from sequential %v", one, seq)
	}
	b7, err := bestSoFarBatched(s.s, p, 3, 30, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(b7) != 30 {
		t.Fatalf("batch 7: %d values, want 30", len(b7))
	}
	for i := 1; i < len(b7); i++ {
		if b7[i] > b7[i-1] {
			t.Fatalf("batch 7: best value rose at trial %d: %v", i, b7)
		}
	}
}

func TestParseBatches(t *testing.T) {
	if b, err := parseBatches("4, 16"); err != nil || !slices.Equal(b, []int{4, 16}) {
		t.Fatalf("parseBatches(4, 16) = %v, %v", b, err)
	}
	for _, bad := range []string{"0", "x", "4,-1"} {
		if _, err := parseBatches(bad); err == nil {
			t.Errorf("parseBatches(%q): no error", bad)
		}
	}
}
