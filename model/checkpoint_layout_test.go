package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// checkpointLayouts rewrite a tiny model's tensors the way the Hugging Face
// folders of the nine models of the space store them: under the task
// model's prefix, with integer buffers, the pooler and the pretraining heads
// beside the encoder (names as in bert-base-uncased, roberta-base,
// google/electra-base-discriminator and microsoft/deberta-v3-base).
var checkpointLayouts = map[string]struct {
	modelType string
	layout    func(cfg Config, base map[string]Tensor) map[string]layoutTensor
}{
	// BertForPreTraining as converted from the original TF checkpoints:
	// "bert." prefix, LayerNorm gamma/beta, NSP and MLM heads.
	"bert-pretraining": {"bert", func(cfg Config, base map[string]Tensor) map[string]layoutTensor {
		out := renamed(base, func(n string) string {
			n = strings.Replace(n, "LayerNorm.weight", "LayerNorm.gamma", 1)
			return "bert." + strings.Replace(n, "LayerNorm.bias", "LayerNorm.beta", 1)
		})
		h, v := int64(cfg.HiddenSize), int64(cfg.VocabSize)
		addInt(out, "bert.embeddings.position_ids", 1, int64(cfg.MaxPositionEmbeddings))
		addFloat(out, "bert.pooler.dense.weight", h, h)
		addFloat(out, "bert.pooler.dense.bias", h)
		addFloat(out, "cls.predictions.bias", v)
		addFloat(out, "cls.predictions.transform.dense.weight", h, h)
		addFloat(out, "cls.predictions.transform.LayerNorm.gamma", h)
		addFloat(out, "cls.seq_relationship.weight", 2, h)
		out["cls.predictions.decoder.weight"] = layoutTensor{Tensor: base["embeddings.word_embeddings.weight"]}
		return out
	}},
	// BertForMaskedLM saved with tied weights kept under the decoder's name
	// only: the word embeddings come from cls.predictions.decoder.weight.
	"bert-tied": {"bert", func(cfg Config, base map[string]Tensor) map[string]layoutTensor {
		out := renamed(base, func(n string) string { return "bert." + n })
		out["cls.predictions.decoder.weight"] = out["bert.embeddings.word_embeddings.weight"]
		delete(out, "bert.embeddings.word_embeddings.weight")
		addInt(out, "bert.embeddings.token_type_ids", 1, int64(cfg.MaxPositionEmbeddings))
		return out
	}},
	// RobertaForMaskedLM (roberta-base, xlm-roberta-base).
	"roberta-mlm": {"roberta", func(cfg Config, base map[string]Tensor) map[string]layoutTensor {
		out := renamed(base, func(n string) string { return "roberta." + n })
		h, v := int64(cfg.HiddenSize), int64(cfg.VocabSize)
		addInt(out, "roberta.embeddings.position_ids", 1, int64(cfg.MaxPositionEmbeddings))
		addFloat(out, "roberta.pooler.dense.weight", h, h)
		addFloat(out, "lm_head.dense.weight", h, h)
		addFloat(out, "lm_head.layer_norm.weight", h)
		addFloat(out, "lm_head.bias", v)
		out["lm_head.decoder.weight"] = layoutTensor{Tensor: base["embeddings.word_embeddings.weight"]}
		return out
	}},
	// ElectraForPreTraining (the discriminators).
	"electra-discriminator": {"electra", func(cfg Config, base map[string]Tensor) map[string]layoutTensor {
		out := renamed(base, func(n string) string { return "electra." + n })
		h := int64(cfg.HiddenSize)
		addInt(out, "electra.embeddings.position_ids", 1, int64(cfg.MaxPositionEmbeddings))
		addFloat(out, "discriminator_predictions.dense.weight", h, h)
		addFloat(out, "discriminator_predictions.dense.bias", h)
		addFloat(out, "discriminator_predictions.dense_prediction.weight", 1, h)
		return out
	}},
	// microsoft/deberta-v3-*: the RTD discriminator with its MLM and
	// replaced-token heads.
	"deberta-v3": {"deberta-v2", func(cfg Config, base map[string]Tensor) map[string]layoutTensor {
		out := renamed(base, func(n string) string { return "deberta." + n })
		h, v := int64(cfg.HiddenSize), int64(cfg.VocabSize)
		addInt(out, "deberta.embeddings.position_ids", 1, int64(cfg.MaxPositionEmbeddings))
		addFloat(out, "lm_predictions.lm_head.dense.weight", h, h)
		addFloat(out, "lm_predictions.lm_head.LayerNorm.weight", h)
		addFloat(out, "lm_predictions.lm_head.bias", v)
		addFloat(out, "mask_predictions.dense.weight", h, h)
		addFloat(out, "mask_predictions.classifier.weight", 1, h)
		return out
	}},
}

// layoutTensor is a tensor of a hand-made checkpoint: F32 data, or an I64
// buffer (Ints set).
type layoutTensor struct {
	Tensor
	Ints []int64
}

func renamed(base map[string]Tensor, name func(string) string) map[string]layoutTensor {
	out := make(map[string]layoutTensor, len(base))
	for n, t := range base {
		out[name(n)] = layoutTensor{Tensor: t}
	}
	return out
}

// addFloat adds a tensor of the given shape with deterministic values.
func addFloat(out map[string]layoutTensor, name string, shape ...int64) {
	t := Tensor{Shape: shape}
	t.Data = make([]float32, t.NumElements())
	for i := range t.Data {
		t.Data[i] = float32(math.Sin(float64(i)))
	}
	out[name] = layoutTensor{Tensor: t}
}

// addInt adds an I64 buffer 0, 1, ... (as position_ids).
func addInt(out map[string]layoutTensor, name string, shape ...int64) {
	t := layoutTensor{Tensor: Tensor{Shape: shape}}
	t.Ints = make([]int64, t.NumElements())
	for i := range t.Ints {
		t.Ints[i] = int64(i)
	}
	out[name] = t
}

// writeLayoutSafetensors writes tensors of mixed dtypes (F32 and I64).
func writeLayoutSafetensors(t *testing.T, path string, tensors map[string]layoutTensor) {
	t.Helper()
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data bytes.Buffer
	for _, n := range names {
		lt := tensors[n]
		begin := data.Len()
		dtype := "F32"
		if lt.Ints != nil {
			dtype = "I64"
			_ = binary.Write(&data, binary.LittleEndian, lt.Ints)
		} else {
			_ = binary.Write(&data, binary.LittleEndian, lt.Data)
		}
		header[n] = safetensorsEntry{DType: dtype, Shape: lt.Shape, DataOffsets: [2]int64{int64(begin), int64(data.Len())}}
	}
	js, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.LittleEndian, uint64(len(js)))
	buf.Write(js)
	buf.Write(data.Bytes())
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLayout writes a tiny model of the layout's family, then replaces its
// model.safetensors by the layout's. It returns the folder of the original
// tiny model and that of the rewritten one.
func writeLayout(t *testing.T, name string, edit func(map[string]layoutTensor)) (orig, dir string) {
	t.Helper()
	l := checkpointLayouts[name]
	orig, cfg := writeTiny(t, l.modelType, nil)
	base, err := ReadSafetensors(filepath.Join(orig, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	tensors := l.layout(cfg, base)
	if edit != nil {
		edit(tensors)
	}
	dir = t.TempDir()
	for _, f := range []string{"config.json", "tokenizer.json"} {
		raw, err := os.ReadFile(filepath.Join(orig, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeLayoutSafetensors(t, filepath.Join(dir, "model.safetensors"), tensors)
	return orig, dir
}

func TestCheckAcceptsRealCheckpointLayouts(t *testing.T) {
	for name := range checkpointLayouts {
		t.Run(name, func(t *testing.T) {
			_, dir := writeLayout(t, name, nil)
			if got, err := Check(dir, Locations{}, 32); err != nil || got != dir {
				t.Fatalf("Check = %q, %v; want %q, nil", got, err, dir)
			}
		})
	}
}

func TestCheckNamesWhatIsWrong(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(map[string]layoutTensor)
		target error
		want   []string // substrings of the error
	}{
		{"missing weight", func(m map[string]layoutTensor) { delete(m, "bert.encoder.layer.1.output.dense.weight") },
			ErrBadWeights, []string{`no tensor "encoder.layer.1.output.dense.weight"`, "bert.encoder.layer.1.output.dense.weight", "model.safetensors"}},
		{"two missing", func(m map[string]layoutTensor) {
			delete(m, "bert.encoder.layer.0.attention.self.key.bias")
			delete(m, "bert.encoder.layer.0.attention.self.key.weight")
		}, ErrBadWeights, []string{`"encoder.layer.0.attention.self.key.bias"`, "and 1 more"}},
		{"integer weight", func(m map[string]layoutTensor) {
			addInt(m, "bert.embeddings.LayerNorm.beta", 32)
		}, ErrBadWeights, []string{`"bert.embeddings.LayerNorm.beta" has dtype "I64"`}},
		{"wrong shape", func(m map[string]layoutTensor) {
			addFloat(m, "bert.encoder.layer.0.intermediate.dense.bias", 7)
		}, ErrBadWeights, []string{`"bert.encoder.layer.0.intermediate.dense.bias" has shape [7]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := writeLayout(t, "bert-pretraining", tc.edit)
			_, err := Check(dir, Locations{}, 32)
			if !errors.Is(err, tc.target) {
				t.Fatalf("Check = %v, want %v", err, tc.target)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckFolders(t *testing.T) {
	good, _ := writeTiny(t, "bert", nil)
	copyDir := func(t *testing.T, skip string, edit func(dir string)) string {
		dir := t.TempDir()
		for _, f := range []string{"config.json", "tokenizer.json", "model.safetensors"} {
			if f == skip {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(good, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if edit != nil {
			edit(dir)
		}
		return dir
	}
	write := func(dir, f, s string) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		model  func(t *testing.T) string
		maxLen int
		target error
		want   string
	}{
		{"unknown name", func(*testing.T) string { return "org/no-such-model" }, 32, ErrModelNotFound, "org/no-such-model"},
		{"no tokenizer", func(t *testing.T) string { return copyDir(t, "tokenizer.json", nil) }, 32, ErrTokenizer, "tokenizer.json"},
		{"bad tokenizer", func(t *testing.T) string {
			return copyDir(t, "", func(d string) { write(d, "tokenizer.json", `{"model": 3}`) })
		}, 32, ErrTokenizer, "tokenizer.json"},
		{"no weights", func(t *testing.T) string { return copyDir(t, "model.safetensors", nil) }, 32, ErrBadWeights, "neither model.safetensors nor pytorch_model.bin"},
		{"truncated weights", func(t *testing.T) string {
			return copyDir(t, "", func(d string) { write(d, "model.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{}") })
		}, 32, ErrBadWeights, "model.safetensors"},
		{"bad config", func(t *testing.T) string {
			return copyDir(t, "", func(d string) {
				raw, _ := os.ReadFile(filepath.Join(d, "config.json"))
				bad := strings.Replace(string(raw), `"hidden_act": "gelu"`, `"hidden_act": "tanh"`, 1)
				if bad == string(raw) {
					t.Fatalf("config.json has no hidden_act gelu to replace: %s", raw)
				}
				write(d, "config.json", bad)
			})
		}, 32, ErrUnsupportedModel, "hidden_act"},
		{"max length", func(*testing.T) string { return good }, 100000, ErrBadInput, "max_length 100000"},
		{"empty pickle", func(t *testing.T) string {
			return copyDir(t, "model.safetensors", func(d string) { write(d, "pytorch_model.bin", "") })
		}, 32, ErrBadWeights, "pytorch_model.bin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.model(t), Locations{}, tc.maxLen)
			if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want %v naming %q", err, tc.target, tc.want)
			}
		})
	}
	if _, err := Check(good, Locations{}, 32); err != nil {
		t.Fatalf("Check(tiny bert) = %v", err)
	}
}
