package model

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Locations are the places a model name is looked up in, besides a folder
// path given directly. The zero value searches nothing but direct paths.
type Locations struct {
	// ModelsDir is $HPO_MODELS_DIR: a name resolves to ModelsDir/<name>
	// (e.g. ModelsDir/google/electra-base-discriminator).
	ModelsDir string
	// HubCache is the Hugging Face hub cache: $HF_HUB_CACHE, else
	// $HF_HOME/hub, else ~/.cache/huggingface/hub. A name org/model resolves
	// to HubCache/models--org--model/snapshots/<rev>, <rev> from refs/main.
	HubCache string
}

// LocationsFromEnv reads HPO_MODELS_DIR, HF_HUB_CACHE, HF_HOME and HOME.
// It only reads the environment; the result can be passed around freely.
func LocationsFromEnv() Locations {
	loc := Locations{ModelsDir: os.Getenv("HPO_MODELS_DIR"), HubCache: os.Getenv("HF_HUB_CACHE")}
	if loc.HubCache == "" {
		home := os.Getenv("HF_HOME")
		if home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				home = filepath.Join(h, ".cache", "huggingface")
			}
		}
		if home != "" {
			loc.HubCache = filepath.Join(home, "hub")
		}
	}
	return loc
}

// Resolve finds the folder of a model given as a folder path or as a name
// (bert-base-uncased, google/electra-base-discriminator). Order: the path
// itself, loc.ModelsDir/<name>, then the hub cache snapshot. A folder counts
// only when it holds config.json. On failure the error wraps
// ErrModelNotFound and lists every place searched. Reads the file system
// only; deterministic for a given file system.
func Resolve(nameOrDir string, loc Locations) (string, error) {
	if strings.TrimSpace(nameOrDir) == "" {
		return "", fmt.Errorf("%w: empty model name", ErrBadInput)
	}
	searched := []string{nameOrDir}
	if isModelDir(nameOrDir) {
		return nameOrDir, nil
	}
	if loc.ModelsDir != "" {
		dir := filepath.Join(loc.ModelsDir, filepath.FromSlash(nameOrDir))
		searched = append(searched, dir)
		if isModelDir(dir) {
			return dir, nil
		}
	}
	if loc.HubCache != "" {
		dir, tried := hubSnapshot(loc.HubCache, nameOrDir)
		searched = append(searched, tried...)
		if dir != "" {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: %q (no folder with config.json at: %s; set HPO_MODELS_DIR or HF_HOME, or pass a folder)",
		ErrModelNotFound, nameOrDir, strings.Join(searched, ", "))
}

// hubSnapshot resolves name in the hub cache layout. It returns the
// snapshot folder ("" when none fits) and the places it looked at.
func hubSnapshot(hub, name string) (string, []string) {
	repo := filepath.Join(hub, "models--"+strings.ReplaceAll(name, "/", "--"))
	snapshots := filepath.Join(repo, "snapshots")
	if ref, err := os.ReadFile(filepath.Join(repo, "refs", "main")); err == nil {
		dir := filepath.Join(snapshots, strings.TrimSpace(string(ref)))
		if isModelDir(dir) {
			return dir, []string{dir}
		}
		return "", []string{dir}
	}
	// No refs/main (a cache copied by hand): accept a single snapshot only,
	// since picking one of several would be a guess.
	entries, err := os.ReadDir(snapshots)
	if err != nil {
		return "", []string{snapshots + "/<rev>"}
	}
	var found []string
	for _, e := range entries {
		if dir := filepath.Join(snapshots, e.Name()); isModelDir(dir) {
			found = append(found, dir)
		}
	}
	sort.Strings(found)
	if len(found) == 1 {
		return found[0], found
	}
	return "", []string{fmt.Sprintf("%s/<rev> (%d snapshots with config.json, no refs/main)", snapshots, len(found))}
}

func isModelDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "config.json"))
	return err == nil && st.Mode().IsRegular()
}
