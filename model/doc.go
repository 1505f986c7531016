// Package model holds the BERT-family text encoders that the trials fine-tune:
// BERT, RoBERTa, XLM-RoBERTa and ELECTRA discriminators, loaded offline from
// local Hugging Face folders (config.json, model.safetensors, tokenizer.json).
//
// The parts that need no libtorch build everywhere: the config (config.go),
// model lookup in a folder, $HPO_MODELS_DIR or the Hugging Face cache
// (lookup.go), a safetensors reader and writer (safetensors.go), the
// tokenizer with pair encoding, truncation and padding (tokenizer.go), and
// the tiny-model writer that tests use (tiny.go). The encoder itself runs on
// libtorch through github.com/sugarme/gotch and is built with `-tags gotch`
// (encoder.go, layers.go, load.go, groups.go); scripts/libtorch.sh sets up
// libtorch.
//
// Variables are named exactly like the Hugging Face checkpoints of the base
// models (BertModel, RobertaModel, ElectraModel: "embeddings.word_embeddings.weight",
// "encoder.layer.0.attention.self.query.weight", ...), so weights load by name;
// checkpoint names with a "bert."/"roberta."/"electra." prefix and the old
// LayerNorm gamma/beta names are accepted too.
//
// Weights load from model.safetensors (our own reader; F32, F16, BF16, F64)
// or, when absent, pytorch_model.bin through gotch's pickle decoder.
//
// Not implemented: DeBERTa-v2/v3 (relative-position disentangled attention;
// config.json with model_type deberta-v2 is rejected with
// ErrUnsupportedModel) and the BERT pooler (the heads pool for themselves).
// Tokenizers: WordPiece tokenizer.json files are checked against Hugging
// Face's ids; byte-level BPE (RoBERTa) and Unigram (XLM-R) go through the
// same github.com/sugarme/tokenizer loader but are not checked here.
package model
