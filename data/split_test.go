package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("post_%04d", i)
	}
	return out
}

func TestSplitProportionsAndGrouping(t *testing.T) {
	for _, n := range []int{60, 1484, 7} {
		s, err := NewSplit(ids(n), DefaultSplitConfig())
		if err != nil {
			t.Fatal(err)
		}
		all := slices.Concat(s.Train, s.Validation, s.Test)
		slices.Sort(all)
		if !slices.Equal(all, ids(n)) {
			t.Fatalf("n=%d: parts do not partition the ids", n)
		}
		wantTrain := int(float64(n)*0.7 + 0.5)
		wantVal := int(float64(n)*0.85+0.5) - wantTrain
		if len(s.Train) != wantTrain || len(s.Validation) != wantVal {
			t.Errorf("n=%d: %d/%d/%d, want %d/%d/rest", n, len(s.Train), len(s.Validation), len(s.Test), wantTrain, wantVal)
		}
		for _, id := range s.Validation {
			if s.Part(id) != "validation" {
				t.Errorf("Part(%s) = %q", id, s.Part(id))
			}
		}
	}
}

func TestSplitDeterministicAndOrderIndependent(t *testing.T) {
	a, _ := NewSplit(ids(100), DefaultSplitConfig())
	shuffled := ids(100)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b, _ := NewSplit(shuffled, DefaultSplitConfig())
	if !slices.Equal(a.Train, b.Train) || !slices.Equal(a.Test, b.Test) {
		t.Error("split depends on the order of ids")
	}
	cfg := DefaultSplitConfig()
	cfg.Seed = 43
	c, _ := NewSplit(ids(100), cfg)
	if slices.Equal(a.Train, c.Train) {
		t.Error("seed 43 gives the same split as seed 42")
	}
}

func TestSplitRejectsBadInput(t *testing.T) {
	if _, err := NewSplit([]string{"a", "b", "a"}, DefaultSplitConfig()); !errors.Is(err, ErrBadConfig) {
		t.Errorf("duplicate ids: %v", err)
	}
	if _, err := NewSplit(ids(3), SplitConfig{Train: 0.5, Validation: 0.2, Test: 0.2}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("fractions summing to 0.9: %v", err)
	}
}

func TestLoadOrCreateSplitReuses(t *testing.T) {
	path := SplitPath(t.TempDir(), "noaug-criteria-supermax")
	first, err := LoadOrCreateSplit(path, ids(60), DefaultSplitConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("split not saved: %v", err)
	}
	// A second trial, with the ids in another order, reads the same split.
	reversed := ids(60)
	slices.Reverse(reversed)
	again, err := LoadOrCreateSplit(path, reversed, DefaultSplitConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Train, again.Train) || !slices.Equal(first.Validation, again.Validation) {
		t.Error("reloaded split differs")
	}
}

func TestLoadOrCreateSplitMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s", "split.json")
	if _, err := LoadOrCreateSplit(path, ids(60), DefaultSplitConfig()); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateSplit(path, ids(61), DefaultSplitConfig())
	if !errors.Is(err, ErrSplitMismatch) {
		t.Errorf("one more post: %v", err)
	}
	cfg := DefaultSplitConfig()
	cfg.Seed = 7
	if _, err := LoadOrCreateSplit(path, ids(60), cfg); !errors.Is(err, ErrSplitMismatch) {
		t.Errorf("other seed: %v", err)
	}
	if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSplit(path, ids(60), DefaultSplitConfig()); err == nil {
		t.Error("corrupt split file accepted")
	}
}

func TestLoadOrCreateSplitConcurrent(t *testing.T) {
	path := SplitPath(t.TempDir(), "study")
	var wg sync.WaitGroup
	results := make([]*Split, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = LoadOrCreateSplit(path, ids(200), DefaultSplitConfig()) })
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("trial %d: %v", i, errs[i])
		}
		if !slices.Equal(results[i].Train, results[0].Train) {
			t.Errorf("trial %d got another split", i)
		}
	}
}
