package results

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// Options configures Write.
type Options struct {
	// Outdir is the folder the files go to.
	Outdir string
	// TopK is how many trials the topk file lists (>= 1).
	TopK int
	// TrialDir returns the checkpoint folder of trial n
	// (activities.TrialDir); nil writes no model folder.
	TrialDir func(n int) string
}

// Files are the paths Write wrote; BestModel is empty when the study has
// no COMPLETE trial or TrialDir is nil.
type Files struct {
	TopK, BestConfig, TrialsCSV, BestModel string
}

// TopTrial is one entry of the topk file.
type TopTrial struct {
	Rank   int                  `json:"rank"`
	Number int                  `json:"number"`
	Value  float64              `json:"value"`
	Params map[string]hpo.Value `json:"params"`
	// EpochsRun and BestEpoch come from the trial's intermediate values.
	EpochsRun int `json:"epochs_run"`
	BestEpoch int `json:"best_epoch"`
	// Validation holds the validation metric at the best epoch (the
	// trial's value) and at the last epoch.
	Validation map[string]float64 `json:"validation_metrics"`
	// Test is the test-split score, nil when not evaluated (yet).
	Test            *TestScore `json:"test_metrics"`
	DurationSeconds float64    `json:"duration_seconds"`
}

// TopKFile is the content of <agent>_<study>_topk.json.
type TopKFile struct {
	Study     string     `json:"study"`
	Agent     string     `json:"agent"`
	Direction string     `json:"direction"`
	Metric    string     `json:"metric"`
	Trials    int        `json:"n_trials"`
	Complete  int        `json:"n_complete"`
	TopK      []TopTrial `json:"top_k"`
}

// TopKName is the file name of study's top-k file.
func TopKName(agent, study string) string { return agent + "_" + study + "_topk.json" }

// Write writes the study's result files into o.Outdir, each replaced
// atomically (temporary file, rename), and links (or copies, across file
// systems) the best trial's checkpoint folder to
// <agent>_<study>_best_model/. Blocking (file I/O).
func Write(s *Study, o Options) (Files, error) {
	if o.TopK < 1 {
		return Files{}, fmt.Errorf("results: top-k %d must be >= 1", o.TopK)
	}
	if err := os.MkdirAll(o.Outdir, 0o755); err != nil {
		return Files{}, fmt.Errorf("results: %w", err)
	}
	top := s.TopTrials(o.TopK)
	f := Files{
		TopK:       filepath.Join(o.Outdir, TopKName(s.Agent, s.Name)),
		BestConfig: filepath.Join(o.Outdir, "best_config.json"),
		TrialsCSV:  filepath.Join(o.Outdir, "trials.csv"),
	}
	complete := 0
	for _, t := range s.Trials {
		if t.State == hpo.Complete {
			complete++
		}
	}
	err := writeJSON(f.TopK, TopKFile{Study: s.Name, Agent: s.Agent, Direction: s.Direction.String(), Metric: s.Metric,
		Trials: len(s.Trials), Complete: complete, TopK: top})
	if err != nil {
		return f, err
	}
	if err := writeJSON(f.BestConfig, bestConfig(s, top)); err != nil {
		return f, err
	}
	if err := writeAtomic(f.TrialsCSV, func(w *os.File) error { return s.WriteCSV(w) }); err != nil {
		return f, err
	}
	if len(top) > 0 && o.TrialDir != nil {
		f.BestModel = filepath.Join(o.Outdir, s.Agent+"_"+s.Name+"_best_model")
		if err := linkTree(o.TrialDir(top[0].Number), f.BestModel); err != nil {
			return f, fmt.Errorf("results: best trial %d's model folder: %w", top[0].Number, err)
		}
	}
	return f, nil
}

// TopTrials returns the top k trials as the topk file lists them.
func (s *Study) TopTrials(k int) []TopTrial {
	var out []TopTrial
	for i, t := range s.Top(k) {
		run, best := s.Epochs(t)
		val := map[string]float64{s.Metric: *t.Value}
		if last, ok := t.Intermediate[run]; ok && !math.IsNaN(last) && !math.IsInf(last, 0) {
			val[s.Metric+"_last_epoch"] = last
		}
		tt := TopTrial{Rank: i + 1, Number: t.Number, Value: *t.Value, Params: Params(t), EpochsRun: run, BestEpoch: best,
			Validation: val, DurationSeconds: duration(t).Seconds()}
		if sc, ok := s.Test[t.Number]; ok {
			tt.Test = &sc
		}
		out = append(out, tt)
	}
	return out
}

// bestConfig is the content of best_config.json: the best trial's
// parameters and where they come from; null parameters without one.
func bestConfig(s *Study, top []TopTrial) any {
	type config struct {
		Study  string               `json:"study"`
		Agent  string               `json:"agent"`
		Metric string               `json:"metric"`
		Trial  *int                 `json:"trial"`
		Value  *float64             `json:"value"`
		Test   *TestScore           `json:"test_metrics"`
		Params map[string]hpo.Value `json:"params"`
	}
	c := config{Study: s.Name, Agent: s.Agent, Metric: s.Metric}
	if len(top) > 0 {
		c.Trial, c.Value, c.Test, c.Params = &top[0].Number, &top[0].Value, top[0].Test, top[0].Params
	}
	return c
}

// duration is how long t ran; 0 while it runs or without times.
func duration(t ledger.TrialRecord) time.Duration {
	if t.Start.IsZero() || t.Complete.IsZero() {
		return 0
	}
	return t.Complete.Sub(t.Start)
}

// WriteCSV writes one row per trial: number, state, value, duration in
// seconds, epochs run, best epoch, test value (when evaluated), then every
// parameter (external form; empty where a trial has none), columns sorted.
func (s *Study) WriteCSV(w *os.File) error {
	names := map[string]bool{}
	for _, t := range s.Trials {
		for n := range t.Params {
			names[n] = true
		}
	}
	params := make([]string, 0, len(names))
	for n := range names {
		params = append(params, n)
	}
	sort.Strings(params)
	cw := csv.NewWriter(w)
	header := append([]string{"number", "state", "value", "duration_s", "epochs", "best_epoch", TestMetricName(s.Metric)}, params...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, t := range s.Trials {
		run, best := s.Epochs(t)
		row := []string{strconv.Itoa(t.Number), t.State.String(), fmtPtr(t.Value),
			strconv.FormatFloat(duration(t).Seconds(), 'f', 3, 64), strconv.Itoa(run), strconv.Itoa(best), ""}
		if sc, ok := s.Test[t.Number]; ok {
			if v, ok := sc.Metrics[TestMetricName(s.Metric)]; ok {
				row[6] = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		ext := Params(t)
		for _, n := range params {
			v, ok := ext[n]
			if !ok {
				row = append(row, "")
				continue
			}
			if v.Kind() == hpo.KindString {
				row = append(row, v.Str())
				continue
			}
			row = append(row, v.String())
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtPtr(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// writeJSON writes v as indented JSON to path atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("results: encode %s: %w", filepath.Base(path), err)
	}
	return writeAtomic(path, func(f *os.File) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}

// writeAtomic writes path through fill into a temporary file, then renames.
func writeAtomic(path string, fill func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("results: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("results: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// linkTree replaces dst by a tree of hard links to src's files (copies
// where a link is impossible, e.g. across file systems).
func linkTree(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder", src)
	}
	tmp := dst + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(tmp, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if os.Link(path, target) == nil {
			return nil
		}
		return copyFile(path, target)
	})
	if err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
