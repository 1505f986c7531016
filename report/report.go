// Package report renders a study as one self-contained HTML file: every
// script and style inline, no network, its data embedded as JSON and drawn
// on canvases by a small plotting script of our own (page.go). Charts: the
// optimisation history with the best-so-far curve, every trial's
// intermediate values (complete vs pruned), parameter importances, slice
// plots, parallel coordinates, the top-k table with test-split scores, and
// the study's counts and durations. It stays usable at 8,000 trials (see
// docs/benchmarks.md, "report").
//
// Parameter importance is not Optuna's fANOVA (a random forest of 64 trees
// and its functional ANOVA decomposition): it is the bias-corrected
// correlation ratio (ε²) of each parameter, documented in docs/report.md —
// the share of the objective's variance over COMPLETE trials that the
// parameter's bins explain beyond what chance explains (numeric parameters
// in 10 equal-count bins by rank, so log scales need nothing special;
// categorical ones by choice), normalised to sum to 1 as Optuna normalises
// its importances. It is cheap at 8,000 trials and ranks
// strong single-parameter effects as fANOVA does, but it sees no
// interactions.
package report

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/results"
)

// data is what the page's script draws; columns of per-trial arrays keep
// it compact at 8,000 trials.
type data struct {
	Study     string             `json:"study"`
	Agent     string             `json:"agent"`
	Metric    string             `json:"metric"`
	Direction string             `json:"direction"`
	Generated string             `json:"generated"`
	Counts    map[string]int     `json:"counts"`
	Durations durations          `json:"durations"`
	Number    []int              `json:"number"`
	State     string             `json:"state"` // one letter per trial: C P F R W
	Value     []*num             `json:"value"`
	Duration  []num              `json:"duration"` // seconds; 0 while running
	Curves    [][]num            `json:"curves"`   // intermediate values by epoch (1..), NaN as null
	Params    []param            `json:"params"`
	Imp       []importance       `json:"importance"`
	Top       []results.TopTrial `json:"top"`
	TestName  string             `json:"test_metric"`
}

type durations struct {
	TotalS  float64 `json:"total_s"`
	MeanS   float64 `json:"mean_s"`
	MedianS float64 `json:"median_s"`
	WallS   float64 `json:"wall_s"`
}

type param struct {
	Name    string   `json:"name"`
	Cat     bool     `json:"cat"`
	Log     bool     `json:"log"`
	Choices []string `json:"choices,omitempty"`
	// Values per trial: the internal value (choice index for categorical
	// parameters), null where the trial has none.
	Values []*num `json:"values"`
}

type importance struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// num is a float64 written with 5 significant digits (NaN/Inf as null).
type num float64

// MarshalJSON implements json.Marshaler.
func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(fmt.Sprintf("%.5g", f)), nil
}

// Options configures Write.
type Options struct {
	// TopK is how many trials the top-k table lists.
	TopK int
	// Now stamps the page; zero omits the stamp.
	Now time.Time
}

// Write renders study s as HTML to w. Deterministic for a given s and
// Options.
func Write(w io.Writer, s *results.Study, o Options) error {
	d := build(s, o)
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("report: encode data: %w", err)
	}
	// The JSON sits in a <script type="application/json">; "</" would end it.
	js := strings.ReplaceAll(string(b), "</", `<\/`)
	title := html.EscapeString(fmt.Sprintf("%s — %s study report", s.Name, s.Agent))
	_, err = io.WriteString(w, strings.NewReplacer("{{TITLE}}", title, "{{DATA}}", js).Replace(page))
	if err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

// build computes the page's data.
func build(s *results.Study, o Options) data {
	d := data{Study: s.Name, Agent: s.Agent, Metric: s.Metric, Direction: s.Direction.String(),
		Counts: map[string]int{}, TestName: results.TestMetricName(s.Metric)}
	if !o.Now.IsZero() {
		d.Generated = o.Now.UTC().Format(time.RFC3339)
	}
	letters := map[hpo.TrialState]byte{hpo.Complete: 'C', hpo.Pruned: 'P', hpo.Fail: 'F', hpo.Running: 'R', hpo.Waiting: 'W'}
	state := make([]byte, 0, len(s.Trials))
	var durs []float64
	var first, last time.Time
	for _, t := range s.Trials {
		d.Counts[t.State.String()]++
		d.Number = append(d.Number, t.Number)
		state = append(state, letters[t.State])
		var v *num
		if t.Value != nil {
			x := num(*t.Value)
			v = &x
		}
		d.Value = append(d.Value, v)
		sec := 0.0
		if !t.Start.IsZero() && !t.Complete.IsZero() {
			sec = t.Complete.Sub(t.Start).Seconds()
			durs = append(durs, sec)
			if first.IsZero() || t.Start.Before(first) {
				first = t.Start
			}
			if t.Complete.After(last) {
				last = t.Complete
			}
		}
		d.Duration = append(d.Duration, num(sec))
		d.Curves = append(d.Curves, curve(t.Intermediate))
	}
	d.State = string(state)
	d.Durations = summarize(durs, first, last)
	d.Params = params(s)
	d.Imp = importances(s, d.Params)
	k := o.TopK
	if k < 1 {
		k = 10
	}
	d.Top = s.TopTrials(k)
	return d
}

// curve lists a trial's intermediate values by step 1..max (missing steps
// and NaN as null).
func curve(iv map[int]float64) []num {
	n := 0
	for step := range iv {
		n = max(n, step)
	}
	out := make([]num, n)
	for i := range out {
		out[i] = num(math.NaN())
	}
	for step, v := range iv {
		if step >= 1 {
			out[step-1] = num(v)
		}
	}
	return out
}

func summarize(durs []float64, first, last time.Time) durations {
	if len(durs) == 0 {
		return durations{}
	}
	var total float64
	for _, x := range durs {
		total += x
	}
	sorted := append([]float64(nil), durs...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	return durations{TotalS: total, MeanS: total / float64(len(durs)), MedianS: med, WallS: last.Sub(first).Seconds()}
}

// params collects every parameter's values per trial, sorted by name.
func params(s *results.Study) []param {
	dists := map[string]hpo.Distribution{}
	for _, t := range s.Trials {
		for name, dist := range t.Dists {
			if _, ok := dists[name]; !ok {
				dists[name] = dist
			}
		}
	}
	names := make([]string, 0, len(dists))
	for n := range dists {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]param, 0, len(names))
	for _, name := range names {
		p := param{Name: name}
		switch dist := dists[name].(type) {
		case hpo.CategoricalDistribution:
			p.Cat = true
			for _, c := range dist.Choices {
				if c.Kind() == hpo.KindString {
					p.Choices = append(p.Choices, c.Str())
				} else {
					p.Choices = append(p.Choices, c.String())
				}
			}
		case hpo.FloatDistribution:
			p.Log = dist.Log
		case hpo.IntDistribution:
			p.Log = dist.Log
		}
		p.Values = make([]*num, len(s.Trials))
		for i, t := range s.Trials {
			if x, ok := t.Params[name]; ok {
				v := num(x)
				p.Values[i] = &v
			}
		}
		out = append(out, p)
	}
	return out
}
