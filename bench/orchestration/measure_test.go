package main

import (
	"slices"
	"testing"
	"time"
)

func TestGapsByTrialAndSlot(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	calls := []call{
		{trial: 1, epoch: 2, device: "a", start: at(1010), end: at(2010)},
		{trial: 1, epoch: 1, device: "a", start: at(0), end: at(1000)},
		{trial: 2, epoch: 1, device: "a", start: at(2040), end: at(3040)},
		{trial: 3, epoch: 1, device: "b", start: at(5), end: at(1005)},
	}
	byTrial := gaps(calls, func(c call) string { return string(rune('0' + c.trial)) })
	if want := []time.Duration{10 * time.Millisecond}; !slices.Equal(byTrial, want) {
		t.Fatalf("trial gaps %v, want %v", byTrial, want)
	}
	bySlot := gaps(calls, func(c call) string { return c.device })
	if want := []time.Duration{10 * time.Millisecond, 30 * time.Millisecond}; !slices.Equal(bySlot, want) {
		t.Fatalf("slot gaps %v, want %v", bySlot, want)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	if p := percentile(d, 50); p != 50 {
		t.Fatalf("p50 = %v", p)
	}
	if p := percentile(d, 99); p != 99 {
		t.Fatalf("p99 = %v", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Fatalf("p50 of nothing = %v", p)
	}
}
