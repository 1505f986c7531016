// Package hftok reproduces Hugging Face's fast tokenizers (the Rust
// `tokenizers` library, 0.20, as transformers 4.46 uses it) in Go: it
// loads a tokenizer.json, or builds from a DeBERTa-v2/v3 spm.model the
// tokenizer transformers' DebertaV2Converter builds, and encodes texts to
// the same ids, type ids, special-token masks and offsets.
//
// The pipeline is Hugging Face's: added tokens are split out of the raw
// text (normalized false) and out of the normalized text (normalized
// true), the normalizer rewrites each remaining piece while keeping, for
// every normalized byte, the range of the original text it came from
// (normalized.go follows NormalizedString's alignment rules, quirks
// included, because token offsets are read from them), the pre-tokenizer
// splits, the model tokenizes each piece, and the post-processor adds the
// special tokens. Offsets are byte offsets into the original text, at the
// positions of the character offsets that Hugging Face's Python API and
// transformers report.
//
// Implemented components: normalizers BertNormalizer, Lowercase, Strip,
// StripAccents, NFC, NFD, NFKC, NFKD, Nmt, Precompiled (SentencePiece's
// precompiled charsmap: a darts-clone double-array trie and a blob of
// replacement strings, applied per grapheme cluster as spm_precompiled
// does), Replace (literal, or a regular expression whose meaning is the same
// in Go and Oniguruma), Prepend and Sequence; pre-tokenizers
// BertPreTokenizer, ByteLevel (GPT-2's split written out by hand, as Go's
// regexp has no look-ahead), Metaspace (prepend_scheme always/first/never,
// split, and the older add_prefix_space form), Punctuation,
// WhitespaceSplit and Sequence; models WordPiece, BPE (no dropout) and
// Unigram (Viterbi, unknown characters scored min score - 10 and fused,
// byte fallback); post-processors BertProcessing, RobertaProcessing,
// ByteLevel, TemplateProcessing and Sequence. Anything else is an error
// wrapping ErrUnsupported that names the component: no silent
// difference.
//
// Unicode tables are Go's (Unicode 15) where Hugging Face uses its crates'
// own (e.g. Unicode 9 for normalization); characters assigned or changed
// between those versions may normalize differently. The parity references
// (package model's testdata/tokenizers) include emoji and scripts from
// several Unicode versions and match exactly.
//
// A Tokenizer is immutable after loading and safe for concurrent use.
package hftok
