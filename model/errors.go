package model

import "errors"

// Sentinel errors of the package. Every error returned wraps one of these
// (test with errors.Is) together with the input that caused it.
var (
	// ErrModelNotFound: a model name or folder could not be resolved to a
	// folder holding config.json; the message lists every place searched.
	ErrModelNotFound = errors.New("model not found")
	// ErrBadConfig: config.json is missing, unreadable or has invalid values.
	ErrBadConfig = errors.New("bad model config")
	// ErrUnsupportedModel: config.json names a model_type or hidden_act
	// this package does not implement (DeBERTa-v2/v3 among them).
	ErrUnsupportedModel = errors.New("unsupported model")
	// ErrBadWeights: the weights file is missing, malformed, or lacks a
	// tensor the encoder needs, or a tensor has the wrong shape.
	ErrBadWeights = errors.New("bad model weights")
	// ErrTokenizer: tokenizer.json (or a DeBERTa spm.model) is missing or
	// cannot be used, or an input cannot be encoded.
	ErrTokenizer = errors.New("tokenizer error")
	// ErrTorch: libtorch failed during a forward pass or a copy (its message,
	// e.g. "CUDA out of memory", is in the error text).
	ErrTorch = errors.New("libtorch error")
	// ErrBadInput: a caller passed an invalid argument (empty batch,
	// mismatched lengths, non-positive max length, out-of-range option).
	ErrBadInput = errors.New("bad input")
)
