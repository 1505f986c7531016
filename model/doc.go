// Package model holds the BERT-family text encoders that the trials fine-tune:
// BERT, RoBERTa, XLM-RoBERTa, ELECTRA discriminators and DeBERTa-v3, loaded
// offline from local Hugging Face folders (config.json, model.safetensors,
// tokenizer.json).
//
// The parts that need no libtorch build everywhere: the config (config.go),
// model lookup in a folder, $HPO_MODELS_DIR or the Hugging Face cache
// (lookup.go), a safetensors reader and writer (safetensors.go), the
// tokenizer with pair encoding, truncation and padding (tokenizer.go), and
// the tiny-model writer that tests use (tiny.go). The encoder itself runs on
// libtorch through github.com/sugarme/gotch and is built with `-tags gotch`
// (encoder.go, layers.go, deberta.go, load.go, groups.go);
// scripts/libtorch.sh sets up libtorch. Every family is checked against
// Hugging Face transformers' own models on tiny folders (reference_test.go).
//
// Variables are named exactly like the Hugging Face checkpoints of the base
// models (BertModel, RobertaModel, ElectraModel, DebertaV2Model:
// "embeddings.word_embeddings.weight",
// "encoder.layer.0.attention.self.query.weight", ...), so weights load by name;
// checkpoint names with a "bert."/"roberta."/"electra."/"deberta." prefix and the old
// LayerNorm gamma/beta names are accepted too.
//
// Weights load from model.safetensors (our own reader; F32, F16, BF16, F64;
// only the tensors the encoder uses are read, by name, so integer buffers
// such as the I64 position_ids, the pooler and the pretraining heads of real
// checkpoints are ignored) or, when absent, pytorch_model.bin through
// gotch's pickle decoder (weights.go, PlanWeights). Check (check.go) does
// every test Load does — folder, config, tokenizer, each weight's name,
// shape and dtype from the safetensors header — without libtorch, for the
// starter and for a study's model check before its first trial.
//
// Not implemented: DeBERTa-v2 layouts other than v3's (e.g. without
// share_att_key, with conv_kernel_size or absolute positions: rejected with
// ErrUnsupportedModel naming the field), DeBERTa v1, and the BERT pooler
// (the heads pool for themselves).
//
// Tokenizers (github.com/sugarme/tokenizer v0.3.0): WordPiece (BERT,
// ELECTRA) and byte-level BPE (RoBERTa) tokenizer.json files give Hugging
// Face's ids; Unigram (XLM-R, DeBERTa-v3) does too except that the Nmt
// normalizer is not implemented there and Replace-with-Regex normalizers
// are not applied (see testdata/tokenizers/README.md). Pair truncation is
// our own, matching Hugging Face's longest_first.
//
// The evidence agent's parts: Tokenizer.EncodeWindows splits a post too
// long for one input into overlapping windows, each paired with the
// criterion (windows.go, Hugging Face's overflow rule with a stride);
// SpanHead maps every token to start and end logits (span_head.go) and
// QALoss is the span loss over those positions (qa_loss.go). Decoding the
// logits into answers is trainer/span's job.
package model
