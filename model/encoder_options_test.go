//go:build gotch

package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func forwardFixture(t *testing.T, p *Pretrained, train bool) []float64 {
	t.Helper()
	out, err := p.Encoder.ForwardBatch(encodeFixture(t, p), gotch.CPU, train)
	if err != nil {
		t.Fatal(err)
	}
	defer out.MustDrop()
	return out.Float64Values()
}

func maxAbsDiff(a, b []float64) float64 {
	worst := 0.0
	for i := range a {
		if d := a[i] - b[i]; d > worst {
			worst = d
		} else if -d > worst {
			worst = -d
		}
	}
	return worst
}

// Each dropout is set at build time and changes the training output only.
func TestEncoderDropoutOptions(t *testing.T) {
	none := loadTiny(t, "bert", &EncoderOptions{})
	evalOut := forwardFixture(t, none, false)
	if d := maxAbsDiff(evalOut, forwardFixture(t, none, true)); d != 0 {
		t.Fatalf("dropout 0 in training changed the output by %g", d)
	}
	for _, opts := range []EncoderOptions{{HiddenDropout: 0.3}, {AttentionDropout: 0.3}} {
		p := loadTiny(t, "bert", &opts)
		if d := maxAbsDiff(evalOut, forwardFixture(t, p, false)); d != 0 {
			t.Fatalf("%+v: eval output differs from dropout-free model by %g", opts, d)
		}
		if d := maxAbsDiff(evalOut, forwardFixture(t, p, true)); d < 1e-3 {
			t.Fatalf("%+v: training output within %g of eval output; dropout not applied", opts, d)
		}
		if p.Encoder.Options() != opts {
			t.Fatalf("Options() = %+v, want %+v", p.Encoder.Options(), opts)
		}
	}
	if _, err := NewEncoder(none.Encoder.VarStore(), none.Config, EncoderOptions{HiddenDropout: 1}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("dropout 1: %v, want ErrBadInput", err)
	}
}

func TestParamGroupsAndFreeze(t *testing.T) {
	p := loadTiny(t, "electra", nil)
	groups := p.Encoder.ParamGroups()
	if len(groups) != 3 || groups[0].Name != "embeddings" || groups[2].Name != "layer.1" {
		t.Fatalf("groups %+v", groups)
	}
	if p.Encoder.HeadGroup() != 3 {
		t.Fatalf("HeadGroup() = %d, want 3", p.Encoder.HeadGroup())
	}
	total := 0
	for _, g := range groups {
		total += len(g.Vars)
	}
	if total != len(WeightShapes(p.Config)) || !contains(groups[0].Vars, "embeddings_project.weight") ||
		!contains(groups[1].Vars, "encoder.layer.0.output.dense.weight") {
		t.Fatalf("groups do not partition the weights: %+v", groups)
	}
	if err := p.Encoder.FreezeLowest(1); err != nil {
		t.Fatal(err)
	}
	vars := p.Encoder.VarStore().Variables()
	for _, g := range groups {
		for _, name := range g.Vars {
			v := vars[name]
			if got, want := v.MustRequiresGrad(), g.Depth > 1; got != want {
				t.Fatalf("after FreezeLowest(1): %s requires grad %v, want %v", name, got, want)
			}
		}
	}
	if err := p.Encoder.FreezeLowest(3); !errors.Is(err, ErrBadInput) {
		t.Fatalf("FreezeLowest(3) of 2 layers: %v, want ErrBadInput", err)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestForwardRejectsBadInput(t *testing.T) {
	p := loadTiny(t, "roberta", nil)
	long := ts.MustOnes([]int64{1, 200}, gotch.Int64, gotch.CPU)
	defer long.MustDrop()
	if _, err := p.Encoder.Forward(long, nil, nil, false); !errors.Is(err, ErrBadInput) {
		t.Fatalf("200 tokens into a 64-position model: %v, want ErrBadInput", err)
	}
	flat := ts.MustOnes([]int64{5}, gotch.Int64, gotch.CPU)
	defer flat.MustDrop()
	if _, err := p.Encoder.Forward(flat, nil, nil, false); !errors.Is(err, ErrBadInput) {
		t.Fatalf("1-D ids: %v, want ErrBadInput", err)
	}
	if _, err := p.Encoder.ForwardBatch(Batch{Size: 2, Len: 3, IDs: []int64{1}}, gotch.CPU, false); !errors.Is(err, ErrBadInput) {
		t.Fatalf("short batch: %v, want ErrBadInput", err)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("no/such-model", LoadOptions{Locations: Locations{ModelsDir: t.TempDir()}, MaxLength: 16}); !errors.Is(err, ErrModelNotFound) {
		t.Fatalf("missing model: %v, want ErrModelNotFound", err)
	}
	dir, cfg := writeTiny(t, "bert", nil)
	if _, err := Load(dir, LoadOptions{MaxLength: 65}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("max_length beyond positions: %v, want ErrBadInput", err)
	}
	weights, err := ReadSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	// Wrong shape: a config that disagrees with the checkpoint.
	w := weights["encoder.layer.1.output.dense.weight"]
	w.Shape = []int64{w.Shape[1], w.Shape[0]}
	weights["encoder.layer.1.output.dense.weight"] = w
	if err := WriteSafetensors(filepath.Join(dir, "model.safetensors"), weights); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir, LoadOptions{MaxLength: 16})
	if !errors.Is(err, ErrBadWeights) || !strings.Contains(err.Error(), "encoder.layer.1.output.dense.weight") {
		t.Fatalf("transposed weight: %v, want ErrBadWeights naming it", err)
	}
	delete(weights, "encoder.layer.1.output.dense.weight")
	if err := WriteSafetensors(filepath.Join(dir, "model.safetensors"), weights); err != nil {
		t.Fatal(err)
	}
	if _, err = Load(dir, LoadOptions{MaxLength: 16}); !errors.Is(err, ErrBadWeights) {
		t.Fatalf("missing weight: %v, want ErrBadWeights", err)
	}
	_ = cfg
}

// Checkpoints of task models prefix the base model ("bert.") and old ones
// name LayerNorm parameters gamma/beta; both load.
func TestLoadPrefixedGammaBetaCheckpoint(t *testing.T) {
	dir, _ := writeTiny(t, "bert", nil)
	want := forwardFixture(t, mustLoad(t, dir), false)
	weights, err := ReadSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := map[string]Tensor{"cls.predictions.bias": {Shape: []int64{1}, Data: []float32{0}}}
	for name, w := range weights {
		name = strings.Replace(name, "LayerNorm.weight", "LayerNorm.gamma", 1)
		name = strings.Replace(name, "LayerNorm.bias", "LayerNorm.beta", 1)
		renamed["bert."+name] = w
	}
	if err := WriteSafetensors(filepath.Join(dir, "model.safetensors"), renamed); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "tokenizer_config.json")); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(want, forwardFixture(t, mustLoad(t, dir), false)); d != 0 {
		t.Fatalf("renamed checkpoint gives outputs %g away", d)
	}
}

func mustLoad(t *testing.T, dir string) *Pretrained {
	t.Helper()
	p, err := Load(dir, LoadOptions{MaxLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A pytorch_model.bin written by transformers' save_pretrained
// (safe_serialization=False; testdata/tiny-bert-pytorch_model.bin, made
// from the default tiny BERT) loads to the same outputs as the safetensors.
func TestLoadPytorchModelBin(t *testing.T) {
	dir, _ := writeTiny(t, "bert", nil)
	want := forwardFixture(t, mustLoad(t, dir), false)
	bin, err := os.ReadFile(filepath.Join("testdata", "tiny-bert-pytorch_model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pytorch_model.bin"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(want, forwardFixture(t, mustLoad(t, dir), false)); d != 0 {
		t.Fatalf("pytorch_model.bin gives outputs %g away from model.safetensors", d)
	}
	if err := os.Remove(filepath.Join(dir, "pytorch_model.bin")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, LoadOptions{MaxLength: 16}); !errors.Is(err, ErrBadWeights) {
		t.Fatalf("no weights file: %v, want ErrBadWeights", err)
	}
}

// A libtorch failure inside the forward pass (here: a token id beyond the
// vocabulary) comes back as ErrTorch instead of ending the process, for
// both architectures; wrong dtypes and shapes are ErrBadInput.
func TestForwardReturnsLibtorchErrors(t *testing.T) {
	for _, mt := range []string{"bert", "deberta-v2"} {
		p := loadTiny(t, mt, nil)
		b := encodeFixture(t, p)
		b.IDs[1] = int64(p.Config.VocabSize + 10)
		_, err := p.Encoder.ForwardBatch(b, gotch.CPU, true)
		if !errors.Is(err, ErrTorch) || !strings.Contains(err.Error(), "index") {
			t.Fatalf("%s: out-of-vocabulary id: %v, want ErrTorch with libtorch's index message", mt, err)
		}
		// The encoder still works afterwards.
		if _, err := p.Encoder.ForwardBatch(encodeFixture(t, p), gotch.CPU, false); err != nil {
			t.Fatalf("%s: forward after a failed one: %v", mt, err)
		}
	}
	p := loadTiny(t, "bert", nil)
	floats := ts.MustOnes([]int64{2, 4}, gotch.Float, gotch.CPU)
	defer floats.MustDrop()
	if _, err := p.Encoder.Forward(floats, nil, nil, false); !errors.Is(err, ErrBadInput) {
		t.Fatalf("float ids: %v, want ErrBadInput", err)
	}
	ids := ts.MustOnes([]int64{2, 4}, gotch.Int64, gotch.CPU)
	defer ids.MustDrop()
	short := ts.MustOnes([]int64{2, 3}, gotch.Int64, gotch.CPU)
	defer short.MustDrop()
	if _, err := p.Encoder.Forward(ids, nil, short, false); !errors.Is(err, ErrBadInput) {
		t.Fatalf("mask of another shape: %v, want ErrBadInput", err)
	}
}
