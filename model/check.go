package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Check reports whether Load(nameOrDir, ...) with loc and maxLength would
// find and accept the model, without libtorch and without reading the
// weights: it resolves the folder (Resolve), reads and validates
// config.json, checks maxLength against the position table, loads
// tokenizer.json and checks its vocabulary against vocab_size, and matches
// every tensor the encoder needs to model.safetensors by its header
// (PlanWeights: names, shapes, dtypes). A folder with only
// pytorch_model.bin is checked to hold a readable, non-empty file: decoding
// a pickle needs libtorch, so its tensors are checked by Load. It returns
// the resolved folder. Errors are Load's (wrapping ErrModelNotFound,
// ErrBadConfig, ErrUnsupportedModel, ErrBadWeights, ErrTokenizer or
// ErrBadInput) and name the file and the problem. Blocking (reads
// config.json, tokenizer.json and the safetensors header); safe to call
// concurrently.
func Check(nameOrDir string, loc Locations, maxLength int) (string, error) {
	dir, err := Resolve(nameOrDir, loc)
	if err != nil {
		return "", err
	}
	cfg, err := ReadConfig(dir)
	if err != nil {
		return dir, err
	}
	if err := checkMaxLength(cfg, dir, maxLength); err != nil {
		return dir, err
	}
	tok, err := NewTokenizer(dir, maxLength)
	if err != nil {
		return dir, err
	}
	if err := checkVocab(cfg, dir, tok); err != nil {
		return dir, err
	}
	path, pickled, err := checkpointFile(dir)
	if err != nil {
		return dir, err
	}
	if pickled {
		return dir, checkReadable(path)
	}
	st, err := OpenSafetensors(path)
	if err != nil {
		return dir, err
	}
	defer st.Close()
	_, err = PlanWeights(cfg, st)
	return dir, err
}

// checkMaxLength checks that maxLength tokens fit cfg's position table.
func checkMaxLength(cfg Config, dir string, maxLength int) error {
	if limit := cfg.MaxPositionEmbeddings - cfg.PositionOffset(); maxLength > limit {
		return fmt.Errorf("%w: max_length %d exceeds the %d positions of %s", ErrBadInput, maxLength, limit, dir)
	}
	return nil
}

// checkVocab checks that every id the tokenizer can produce indexes the
// word embedding table (a larger tokenizer would fail inside libtorch at
// the first rare token).
func checkVocab(cfg Config, dir string, tok *Tokenizer) error {
	if n := tok.VocabSize(); n > cfg.VocabSize {
		return fmt.Errorf("%w: %s: tokenizer.json has %d tokens but config.json's vocab_size is %d",
			ErrTokenizer, dir, n, cfg.VocabSize)
	}
	return nil
}

// checkpointFile is dir/model.safetensors when it exists, else
// dir/pytorch_model.bin (pickled true); an error wrapping ErrBadWeights
// when neither does.
func checkpointFile(dir string) (path string, pickled bool, err error) {
	path = filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return path, false, nil // a stat error other than absence shows up when opening
	}
	bin := filepath.Join(dir, "pytorch_model.bin")
	if _, err := os.Stat(bin); err != nil {
		return "", false, fmt.Errorf("%w: %s has neither model.safetensors nor pytorch_model.bin", ErrBadWeights, dir)
	}
	return bin, true, nil
}

// checkReadable opens path and reads its first byte.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadWeights, err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.Read(b[:]); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadWeights, path, err)
	}
	return nil
}
