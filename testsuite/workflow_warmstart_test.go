package testsuite

import (
	"context"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/results"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TestStudyWarmStartsFromTopTrials runs study A, then study B warm-started
// from A's best 3 trials (as `--warm-start-from A:3` fills the spec): B's
// first 3 trials are exactly those configurations, in order, and B runs
// all its trials.
func TestStudyWarmStartsFromTopTrials(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	a := h.spec(6, 2, 2)
	a.Study = "warm-a"
	h.run(a)
	ctx := context.Background()
	src, err := results.Load(ctx, h.ledger, a.Study, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	top := src.Top(3)
	b := h.spec(5, 2, 2)
	b.Study = "warm-b"
	for _, tr := range top {
		b.WarmStart = append(b.WarmStart, results.Params(tr))
	}
	h2 := newWFHarness(t, wfOptions{ledger: h.ledger, outdir: h.outdir})
	res := h2.run(b)
	if res.Counts.Complete != 5 {
		t.Fatalf("study B: %+v, want 5 complete trials", res.Counts)
	}
	dst, err := results.Load(ctx, h.ledger, b.Study, "criteria")
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range top {
		want, got := results.Params(tr), results.Params(dst.Trials[i])
		if len(got) != len(want) {
			t.Fatalf("B trial %d has %d params, A trial %d %d", i, len(got), tr.Number, len(want))
		}
		for name, v := range want {
			if got[name] != v {
				t.Errorf("B trial %d: %s = %v, want A trial %d's %v", i, name, got[name], tr.Number, v)
			}
		}
	}
	if same := results.Params(dst.Trials[3]); equalParams(same, results.Params(top[0])) {
		t.Error("B trial 3 (not warm-started) repeats a warm-start configuration")
	}
}

func TestSpecWarmStartBounded(t *testing.T) {
	spec, err := workflows.DefaultStudySpec("criteria")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 21; i++ {
		spec.WarmStart = append(spec.WarmStart, map[string]hpo.Value{"optim.lr": hpo.Float(1e-4)})
	}
	if err := spec.Validate(); err == nil {
		t.Fatal("21 warm-start configurations accepted")
	}
	spec.WarmStart = []map[string]hpo.Value{{}}
	if err := spec.Validate(); err == nil {
		t.Fatal("an empty warm-start configuration accepted")
	}
}

func equalParams(a, b map[string]hpo.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
