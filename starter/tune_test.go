package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestETA(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := eta([]progressSample{{t0, 0}}, 10); ok {
		t.Fatal("ETA from one sample")
	}
	if _, ok := eta([]progressSample{{t0, 3}, {t0.Add(time.Minute), 3}}, 10); ok {
		t.Fatal("ETA without progress")
	}
	// 2 trials a minute, 6 left: 3 minutes.
	left, ok := eta([]progressSample{{t0, 2}, {t0.Add(30 * time.Second), 3}, {t0.Add(time.Minute), 4}}, 10)
	if !ok || left != 3*time.Minute {
		t.Fatalf("eta = %v, %v; want 3m, true", left, ok)
	}
	// Samples older than the window are ignored: the recent rate counts.
	old := []progressSample{{t0, 0}, {t0.Add(2 * time.Hour), 1}, {t0.Add(2*time.Hour + 10*time.Minute), 11}}
	if left, ok := eta(old, 21); !ok || left != 10*time.Minute {
		t.Fatalf("eta over the window = %v, %v; want 10m, true", left, ok)
	}
}

func TestWithETA(t *testing.T) {
	got := withETA([]string{"head", "bar", "best", "  trial"}, "ETA")
	if want := []string{"head", "bar", "ETA", "best", "  trial"}; !slices.Equal(got, want) {
		t.Fatalf("withETA = %q, want %q", got, want)
	}
}

func TestTuneDevices(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		list     string
		parallel int
		want     []string
	}{
		{"cpu", 3, []string{"cpu", "cpu", "cpu"}},
		{"cuda:0,cuda:1", 4, []string{"cuda:0", "cuda:1"}},
		{" cuda:2 ", 1, []string{"cuda:2"}},
	} {
		got, err := tuneDevices(ctx, tc.list, tc.parallel)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("tuneDevices(%q, %d) = %q, %v; want %q", tc.list, tc.parallel, got, err, tc.want)
		}
	}
	for _, bad := range []string{"gpu", "cuda:0,cuda:0", "cuda:-1", "cuda:01", "cpu,cuda:0", "cuda:x"} {
		if _, err := tuneDevices(ctx, bad, 2); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), bad) {
			t.Errorf("tuneDevices(%q): got %v, want a usage error naming the list", bad, err)
		}
	}
}

func TestWorkerBinaryMissing(t *testing.T) {
	if _, err := workerBinary(t.TempDir() + "/worker"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("got %v, want a usage error saying make build", err)
	}
}
