package main

import (
	"math"
	"testing"
)

func TestRankRow(t *testing.T) {
	got := rankRow([]float64{3, 1, 3, 2})
	want := []float64{3.5, 1, 3.5, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rankRow = %v, want %v", got, want)
		}
	}
}

// TestWilcoxonExact: d = (1, 2, 3, 4, -5): W+ = 10, W- = 5. Under the
// null each of the 32 sign patterns is equally likely; the subsets of
// {1..5} with rank sum <= 5 are {}, {1}, {2}, {3}, {4}, {5}, {1,2}, {1,3},
// {1,4}, {2,3}: 10 of them, so p = 2·10/32 = 0.625.
func TestWilcoxonExact(t *testing.T) {
	x := []float64{1, 2, 3, 4, 0}
	y := []float64{0, 0, 0, 0, 5}
	w, n, p := wilcoxon(x, y)
	if w != 10 || n != 5 || math.Abs(p-0.625) > 1e-12 {
		t.Fatalf("wilcoxon = (%v, %d, %v), want (10, 5, 0.625)", w, n, p)
	}
	// all positive: only the empty subset has sum 0, p = 2/32.
	_, _, p = wilcoxon([]float64{1, 2, 3, 4, 5}, []float64{0, 0, 0, 0, 0})
	if math.Abs(p-0.0625) > 1e-12 {
		t.Fatalf("all-positive p = %v, want 0.0625", p)
	}
}

// TestWilcoxonNormal: with ties, the normal approximation. d = (1, 1, -1,
// 2, 2, 2): |d| ranks 2,2,2,5,5,5; W+ = 2+2+5+5+5 = 19, mean 10.5,
// variance 6*7*13/24 - 2*(27-3)/48 = 22.75 - 1 = 21.75.
func TestWilcoxonNormal(t *testing.T) {
	x := []float64{1, 1, -1, 2, 2, 2}
	y := make([]float64, len(x))
	w, n, p := wilcoxon(x, y)
	want := math.Erfc((19 - 10.5) / math.Sqrt(21.75) / math.Sqrt2)
	if w != 19 || n != 6 || math.Abs(p-want) > 1e-12 {
		t.Fatalf("wilcoxon = (%v, %d, %v), want (19, 6, %v)", w, n, p, want)
	}
	if _, n, p := wilcoxon([]float64{1, 2}, []float64{1, 2}); n != 0 || p != 1 {
		t.Fatalf("all-zero differences: n=%d p=%v, want 0 and 1", n, p)
	}
}

// TestSavedRuns: results written by saveRuns are read back by loadRuns and
// used only when they cover the checkpoints and seeds asked for.
func TestSavedRuns(t *testing.T) {
	path := t.TempDir() + "/runs.json"
	s, err := loadRuns(path)
	if err != nil || s == nil {
		t.Fatalf("loadRuns of a missing file = %v, %v; want empty runs", s, err)
	}
	s.put("p", "ours", []int{50, 100}, [][]float64{{1, 2}, {0.5, 1}})
	if err := saveRuns(path, s); err != nil {
		t.Fatal(err)
	}
	r, err := loadRuns(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := r.get("p", "ours", []int{50, 100}, 2)
	if !ok || got[1][0] != 0.5 || got[0][1] != 2 {
		t.Fatalf("get = %v, %v", got, ok)
	}
	if _, ok := r.get("p", "ours", []int{50, 200}, 2); ok {
		t.Fatal("get: a checkpoint that was not saved was found")
	}
	if _, ok := r.get("p", "ours", []int{50}, 3); ok {
		t.Fatal("get: three seeds found where two were saved")
	}
	if got, ok := r.get("p", "ours", []int{100}, 1); !ok || len(got[0]) != 1 || got[0][0] != 0.5 {
		t.Fatalf("get of the first seed = %v, %v; want [[0.5]]", got, ok)
	}
}
