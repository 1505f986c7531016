// Package model holds the BERT-family text encoders that the trials fine-tune:
// BERT, RoBERTa, XLM-RoBERTa, ELECTRA discriminators and DeBERTa-v3, loaded
// offline from local Hugging Face folders (config.json, model.safetensors,
// tokenizer.json or, for DeBERTa-v3, spm.model).
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
// The share and joint agents read one encoder through two branches
// (split.go): SplitEncoder shares the embeddings and the lowest
// SharedLayers(joint.share_ratio, L) = round(ratio·L) transformer layers
// between a primary branch (the encoder's own top layers) and a secondary
// one (copies of those layers in a VarStore of their own, made from the
// loaded weights, so both branches start pretrained); ratio 1 is one
// encoder with two heads, ratio 0 two encoders that share only the
// embeddings. Injector (joint.go) adds the projected pooled vector of the
// criteria branch to every token of the span branch. docs/agents.md tells
// which branch each head reads.
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
// Tokenizers (tokenizer.go over package hftok, our own implementation of
// Hugging Face's fast-tokenizer pipeline): a folder's tokenizer.json, or,
// without one, a DeBERTa-v2/v3 spm.model (+ tokenizer_config.json) built
// into the tokenizer that transformers' DebertaV2Converter makes. Every
// component the nine encoders use is implemented to give Hugging Face's
// ids and offsets exactly: BertNormalizer, Lowercase, Strip, NFC/NFD/NFKC/
// NFKD, Nmt, Precompiled (SentencePiece's nmt_nfkc charsmap), Replace;
// BertPreTokenizer, ByteLevel, Metaspace, Punctuation; WordPiece, BPE,
// Unigram; BertProcessing, RobertaProcessing, TemplateProcessing; added
// tokens with lstrip/rstrip/normalized. Any other component, or an option
// whose semantics could differ (a Replace regex with \s or look-ahead, BPE
// dropout, ...), is an error wrapping hftok.ErrUnsupported that names it.
// TestTokenizerParityWithHuggingFace compares ids, type ids, special-token
// masks and offsets with Hugging Face on 1,364 texts and pairs for every
// family (testdata/tokenizers/README.md). Pair truncation is our own,
// matching Hugging Face's longest_first.
//
// The evidence agent's parts: Tokenizer.EncodeWindows splits a post too
// long for one input into overlapping windows, each paired with the
// criterion (windows.go, Hugging Face's overflow rule with a stride);
// SpanHead maps every token to start and end logits (span_head.go) and
// QALoss is the span loss over those positions (qa_loss.go). Decoding the
// logits into answers is trainer/span's job.
//
// # Tensor ownership
//
// libtorch tensors are C++ objects; a *ts.Tensor is a Go handle to one.
// These rules hold for every tensor the model, the heads, the losses, the
// optimizer and the trainer create (docs/tensor-lifetimes.md explains why):
//
//   - Whoever receives a new tensor owns it and frees it exactly once, as
//     soon as it is no longer needed: Forward, ForwardBatch,
//     CriteriaHead.Forward and Loss.Forward return tensors the caller
//     frees; their inputs are never consumed. Inside a forward pass, the
//     tape helpers (ops.go) return tensors owned by the calling code, and
//     with del=true they free their first argument after the operation, as
//     gotch's del arguments do.
//   - Variables belong to their nn.VarStore and are freed by its Destroy;
//     the transposed weight views that gotch's nn.Linear keeps beside them
//     belong to the CriteriaHead (Free). Optimizer state belongs to the
//     Optimizer (Free); StateTensors returns copies the caller frees.
//   - Nothing relies on Go finalizers. Operations run through
//     package model/torch, whose results carry no finalizer: a forgotten
//     free is a leak that the soak benchmark (make soak-train) shows, never
//     a free at a moment the garbage collector picks. Tensors that gotch
//     itself creates still carry its finalizer, which never fires while
//     their owner holds them.
//   - A tensor's Go handle stays reachable while a cgo call uses its C
//     pointer: package torch keeps its arguments alive (runtime.KeepAlive)
//     until the call returns; do not pass t.Ctensor() to C yourself.
//   - gotch's own calls (variable stores, checkpoints, Must* variants) read
//     libtorch's error from thread-local state in a second cgo call, so they
//     run with the goroutine locked to its OS thread (tape.do,
//     torch.Locked, runtime.LockOSThread at the public entry points;
//     WithGrad does too). New code uses the tape helpers or package torch;
//     a gotch call that is still needed goes through tape.do.
package model
