package activities

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDevicePoolWaitsAndPrefersTheSessionsDevice(t *testing.T) {
	p, err := newDevicePool([]string{"cuda:0", "cuda:1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := p.acquire(ctx, "session-a")
	b, _ := p.acquire(ctx, "session-b")
	if p.name(a) != "cuda:0" || p.name(b) != "cuda:1" {
		t.Fatalf("slots %s, %s; want cuda:0 then cuda:1", p.name(a), p.name(b))
	}
	got := make(chan int)
	go func() {
		s, err := p.acquire(ctx, "session-b")
		if err != nil {
			t.Error(err)
		}
		got <- s
	}()
	select {
	case <-got:
		t.Fatal("acquired a slot while both were busy")
	case <-time.After(20 * time.Millisecond):
	}
	p.release(a)
	// session-b's own slot is still busy, so it takes the free one.
	if s := <-got; p.name(s) != "cuda:0" {
		t.Fatalf("waiter got %s, want the freed cuda:0", p.name(s))
	}
	p.release(b)
	p.release(a)
	if s, _ := p.acquire(ctx, "session-b"); p.name(s) != "cuda:0" {
		t.Fatalf("session-b got %s, want cuda:0, the slot it used last", p.name(s))
	}
}

func TestDevicePoolAcquireHonoursContext(t *testing.T) {
	p, err := newDevicePool([]string{"cpu"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.acquire(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.acquire(ctx, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("missing ledger opener accepted")
	}
	if _, err := newDevicePool([]string{"cpu", ""}); err == nil {
		t.Error("empty device name accepted")
	}
}
