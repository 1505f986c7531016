package main

import (
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
)

// BenchmarkSuggest8000 times one suggestion of each TPE setting over the
// timing table's 8,000-trial history of agentSpace (for -cpuprofile).
func BenchmarkSuggest8000(b *testing.B) {
	space, err := agentSpace()
	if err != nil {
		b.Fatal(err)
	}
	hist, err := randomHistory(space, 8000, 1)
	if err != nil {
		b.Fatal(err)
	}
	mv := tpe.DefaultOptions()
	mv.Multivariate, mv.Group, mv.ConstantLiar = true, true, true
	for _, c := range []struct {
		name string
		opts tpe.Options
	}{{"defaults", tpe.DefaultOptions()}, {"mv+group+liar", mv}} {
		s, err := tpe.New(c.opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			study := hpo.Study{Name: "timing", Direction: hpo.Maximize, Seed: 3}
			n := 0
			for b.Loop() {
				if _, err := s.Sample(study, space, hist, 8000+n%10); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
