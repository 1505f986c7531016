package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touchConfig(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolveOrder(t *testing.T) {
	root := t.TempDir()
	models := filepath.Join(root, "models")
	hub := filepath.Join(root, "hub")
	loc := Locations{ModelsDir: models, HubCache: hub}

	direct := filepath.Join(root, "direct")
	touchConfig(t, direct)
	if got, err := Resolve(direct, loc); err != nil || got != direct {
		t.Fatalf("direct folder: %q, %v", got, err)
	}

	touchConfig(t, filepath.Join(models, "google", "electra-small-discriminator"))
	if got, err := Resolve("google/electra-small-discriminator", loc); err != nil ||
		got != filepath.Join(models, "google", "electra-small-discriminator") {
		t.Fatalf("HPO_MODELS_DIR: %q, %v", got, err)
	}

	repo := filepath.Join(hub, "models--FacebookAI--roberta-base")
	touchConfig(t, filepath.Join(repo, "snapshots", "abc123"))
	touchConfig(t, filepath.Join(repo, "snapshots", "old999"))
	if err := os.MkdirAll(filepath.Join(repo, "refs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("abc123\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Resolve("FacebookAI/roberta-base", loc); err != nil || got != filepath.Join(repo, "snapshots", "abc123") {
		t.Fatalf("hub cache refs/main: %q, %v", got, err)
	}
}

func TestResolveSingleSnapshotWithoutRef(t *testing.T) {
	hub := t.TempDir()
	snap := filepath.Join(hub, "models--bert-base-uncased", "snapshots", "r1")
	touchConfig(t, snap)
	if got, err := Resolve("bert-base-uncased", Locations{HubCache: hub}); err != nil || got != snap {
		t.Fatalf("single snapshot: %q, %v", got, err)
	}
	touchConfig(t, filepath.Join(hub, "models--bert-base-uncased", "snapshots", "r2"))
	if _, err := Resolve("bert-base-uncased", Locations{HubCache: hub}); !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("two snapshots, no refs/main: %v, want ErrModelNotFound", err)
	}
}

func TestResolveMissingListsPlaces(t *testing.T) {
	loc := Locations{ModelsDir: "/nonexistent/models", HubCache: "/nonexistent/hub"}
	_, err := Resolve("org/missing-model", loc)
	if !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("got %v, want ErrModelNotFound", err)
	}
	for _, place := range []string{"org/missing-model", "/nonexistent/models/org/missing-model",
		"/nonexistent/hub/models--org--missing-model/snapshots"} {
		if !strings.Contains(err.Error(), place) {
			t.Errorf("error %q does not list %s", err, place)
		}
	}
	if _, err := Resolve("  ", loc); !errors.Is(err, ErrBadInput) {
		t.Fatalf("empty name: %v, want ErrBadInput", err)
	}
}

func TestLocationsFromEnv(t *testing.T) {
	t.Setenv("HPO_MODELS_DIR", "/m")
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/hf")
	if got := LocationsFromEnv(); got != (Locations{ModelsDir: "/m", HubCache: "/hf/hub"}) {
		t.Fatalf("HF_HOME: %+v", got)
	}
	t.Setenv("HF_HUB_CACHE", "/cache")
	if got := LocationsFromEnv(); got.HubCache != "/cache" {
		t.Fatalf("HF_HUB_CACHE: %+v", got)
	}
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got := LocationsFromEnv(); got.HubCache != "/home/u/.cache/huggingface/hub" {
		t.Fatalf("default: %+v", got)
	}
}
