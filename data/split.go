package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// SplitConfig says how a study's posts are split. Build it with
// DefaultSplitConfig.
type SplitConfig struct {
	Seed       uint64  `json:"seed"`
	Train      float64 `json:"train"`
	Validation float64 `json:"validation"`
	Test       float64 `json:"test"`
}

// DefaultSplitConfig is the study split of docs/design.md §7: 70/15/15, seed 42.
func DefaultSplitConfig() SplitConfig {
	return SplitConfig{Seed: 42, Train: 0.70, Validation: 0.15, Test: 0.15}
}

// Validate checks that the fractions are non-negative and sum to 1.
func (c SplitConfig) Validate() error {
	if c.Train < 0 || c.Validation < 0 || c.Test < 0 {
		return fmt.Errorf("split fractions %v/%v/%v: negative: %w", c.Train, c.Validation, c.Test, ErrBadConfig)
	}
	if s := c.Train + c.Validation + c.Test; math.Abs(s-1) > 1e-9 {
		return fmt.Errorf("split fractions sum to %v, not 1: %w", s, ErrBadConfig)
	}
	return nil
}

// Split assigns every post of a corpus to train, validation or test. All
// sentences of a post fall in the post's part, so no post leaks across
// parts. Each list is sorted.
type Split struct {
	Config     SplitConfig `json:"config"`
	Train      []string    `json:"train"`
	Validation []string    `json:"validation"`
	Test       []string    `json:"test"`
}

// NewSplit splits post ids by cfg. It is deterministic and independent of
// the order of ids: ids are sorted, then shuffled by a SplitMix64-driven
// Fisher–Yates with cfg.Seed, then cut at round(n·Train) and
// round(n·(Train+Validation)). Duplicate ids are an error.
func NewSplit(ids []string, cfg SplitConfig) (*Split, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new split: %w", err)
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	if i := firstDuplicate(sorted); i >= 0 {
		return nil, fmt.Errorf("new split: post id %q appears twice: %w", sorted[i], ErrBadConfig)
	}
	rng := cfg.Seed
	for i := len(sorted) - 1; i > 0; i-- {
		j := int(splitmix64(&rng) % uint64(i+1))
		sorted[i], sorted[j] = sorted[j], sorted[i]
	}
	n := float64(len(sorted))
	a := int(math.Round(n * cfg.Train))
	b := int(math.Round(n * (cfg.Train + cfg.Validation)))
	s := &Split{
		Config:     cfg,
		Train:      slices.Clone(sorted[:a]),
		Validation: slices.Clone(sorted[a:b]),
		Test:       slices.Clone(sorted[b:]),
	}
	for _, part := range [][]string{s.Train, s.Validation, s.Test} {
		slices.Sort(part)
	}
	return s, nil
}

// firstDuplicate returns the index of the first repeated id of a sorted
// slice, or -1.
func firstDuplicate(sorted []string) int {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return i
		}
	}
	return -1
}

// splitmix64 advances state and returns the next SplitMix64 output.
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	x := *state
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Part returns which part ("train", "validation", "test") holds a post, or
// "" when none does.
func (s *Split) Part(postID string) string {
	for _, p := range []struct {
		name string
		ids  []string
	}{{"train", s.Train}, {"validation", s.Validation}, {"test", s.Test}} {
		if _, ok := slices.BinarySearch(p.ids, postID); ok {
			return p.name
		}
	}
	return ""
}

// Verify checks that the split covers exactly the given post ids and was
// made with cfg; otherwise it returns ErrSplitMismatch with counts and an
// example of what differs.
func (s *Split) Verify(ids []string, cfg SplitConfig) error {
	if s.Config != cfg {
		return fmt.Errorf("split made with %+v, study asks %+v: %w", s.Config, cfg, ErrSplitMismatch)
	}
	inSplit := make(map[string]bool, len(ids))
	for _, part := range [][]string{s.Train, s.Validation, s.Test} {
		for _, id := range part {
			inSplit[id] = true
		}
	}
	var missing []string
	for _, id := range ids {
		if !inSplit[id] {
			missing = append(missing, id)
		}
		delete(inSplit, id)
	}
	if len(missing) > 0 || len(inSplit) > 0 {
		extra := make([]string, 0, len(inSplit))
		for id := range inSplit {
			extra = append(extra, id)
		}
		slices.Sort(extra)
		return fmt.Errorf("%d corpus posts not in the split (e.g. %q), %d split posts not in the corpus (e.g. %q): %w",
			len(missing), firstOr(missing), len(extra), firstOr(extra), ErrSplitMismatch)
	}
	return nil
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// SplitPath is where a study's split lives: <outdir>/<study>/split.json.
func SplitPath(outdir, study string) string {
	return filepath.Join(outdir, study, "split.json")
}

// LoadOrCreateSplit returns the split saved at path after verifying it
// against ids and cfg (ErrSplitMismatch when it differs), or, when no file
// is there, makes it with NewSplit and saves it. Saving writes a temporary
// file and renames it, so concurrent trials of one study that race to
// create it all end up reading the same, complete split. It is idempotent.
func LoadOrCreateSplit(path string, ids []string, cfg SplitConfig) (*Split, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		var s Split
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("read split %s: %w", path, err)
		}
		if err := s.Verify(ids, cfg); err != nil {
			return nil, fmt.Errorf("split %s: %w", path, err)
		}
		return &s, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read split %s: %w", path, err)
	}
	s, err := NewSplit(ids, cfg)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, s); err != nil {
		return nil, fmt.Errorf("save split: %w", err)
	}
	return s, nil
}

// writeFileAtomic writes v as indented JSON to path via a temporary file in
// the same folder and a rename.
func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".split-*.json")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename to %s: %w", path, err)
	}
	return nil
}
