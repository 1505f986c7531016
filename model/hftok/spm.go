package hftok

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/encoding/protowire"
)

// spmPiece is one SentencePiece vocabulary entry.
type spmPiece struct {
	piece string
	score float32
	typ   int // 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
}

// spmModel is the part of a SentencePiece ModelProto the converters read.
type spmModel struct {
	pieces       []spmPiece
	modelType    int // 1 unigram, 2 BPE, 3 word, 4 char
	unkID        int
	byteFallback bool
	charsmap     []byte
}

// parseSPM decodes a serialized sentencepiece.ModelProto (the protobuf
// wire format; fields from sentencepiece_model.proto).
func parseSPM(b []byte) (*spmModel, error) {
	m := &spmModel{modelType: 1}
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType: // pieces
			p := spmPiece{typ: 1}
			err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					p.piece = string(v)
				case num == 2 && typ == protowire.Fixed32Type:
					p.score = math.Float32frombits(uint32(x))
				case num == 3 && typ == protowire.VarintType:
					p.typ = int(x)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case num == 2 && typ == protowire.BytesType: // trainer_spec
			return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 3 && typ == protowire.VarintType:
					m.modelType = int(x)
				case num == 35 && typ == protowire.VarintType:
					m.byteFallback = x != 0
				case num == 40 && typ == protowire.VarintType:
					m.unkID = int(int32(x))
				}
				return nil
			})
		case num == 3 && typ == protowire.BytesType: // normalizer_spec
			return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == 2 && typ == protowire.BytesType {
					m.charsmap = append([]byte(nil), v...)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(m.pieces) == 0 {
		return nil, errors.New("no pieces")
	}
	return m, nil
}

// eachField calls f for every field of a protobuf message: v for
// length-delimited fields, x for varint and fixed ones.
func eachField(b []byte, f func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// LoadDebertaV2 builds, from dir/spm.model and dir/tokenizer_config.json,
// the tokenizer that transformers' DebertaV2TokenizerFast builds from them
// (its DebertaV2Converter, transformers 4.46): the Unigram vocabulary and
// scores of the SentencePiece model with its unk_id, byte fallback off;
// normalizers Lowercase (do_lower_case), Strip, Precompiled (the model's
// charsmap), Replace(" {2,}", " "); pre-tokenizers Punctuation
// (split_by_punct) and Metaspace (▁, prepend always); "[CLS] A [SEP] B
// [SEP]" with type ids 0/1; the model's control and user-defined pieces as
// added tokens, then the special tokens ([CLS] [SEP] [UNK] [PAD] [MASK],
// [UNK] normalized) that are not yet, new ones after the vocabulary.
// Configurations it does not reproduce (added_tokens.json,
// added_tokens_decoder, a BPE SentencePiece model) are errors wrapping
// ErrUnsupported.
func LoadDebertaV2(dir string) (*Tokenizer, error) {
	path := filepath.Join(dir, "spm.model")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := parseSPM(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: not a SentencePiece model: %w", path, err)
	}
	if m.modelType != 1 {
		return nil, fmt.Errorf("%w: %s: SentencePiece model type %d (only Unigram, 1, is converted)", ErrUnsupported, path, m.modelType)
	}
	cfg := struct {
		DoLowerCase  bool            `json:"do_lower_case"`
		SplitByPunct bool            `json:"split_by_punct"`
		Bos          json.RawMessage `json:"bos_token"`
		Eos          json.RawMessage `json:"eos_token"`
		Unk          json.RawMessage `json:"unk_token"`
		Sep          json.RawMessage `json:"sep_token"`
		Pad          json.RawMessage `json:"pad_token"`
		Cls          json.RawMessage `json:"cls_token"`
		Mask         json.RawMessage `json:"mask_token"`
		AddedDecoder json.RawMessage `json:"added_tokens_decoder"`
		Additional   json.RawMessage `json:"additional_special_tokens"`
	}{}
	cfgPath := filepath.Join(dir, "tokenizer_config.json")
	if b, err := os.ReadFile(cfgPath); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", cfgPath, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if !isNull(cfg.AddedDecoder) || !isNull(cfg.Additional) {
		return nil, fmt.Errorf("%w: %s: added_tokens_decoder / additional_special_tokens are not converted; save a tokenizer.json with transformers instead", ErrUnsupported, cfgPath)
	}
	if _, err := os.Stat(filepath.Join(dir, "added_tokens.json")); err == nil {
		return nil, fmt.Errorf("%w: %s: added_tokens.json is not converted; save a tokenizer.json with transformers instead", ErrUnsupported, dir)
	}
	name := func(raw json.RawMessage, def string) (string, error) {
		if isNull(raw) {
			return def, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%w: %s: special token %s is not a plain string", ErrUnsupported, cfgPath, raw)
		}
		return s, nil
	}
	specials := []struct {
		raw        json.RawMessage
		def        string
		normalized bool
	}{{cfg.Bos, "[CLS]", false}, {cfg.Eos, "[SEP]", false}, {cfg.Unk, "[UNK]", true}, {cfg.Sep, "[SEP]", false},
		{cfg.Pad, "[PAD]", false}, {cfg.Cls, "[CLS]", false}, {cfg.Mask, "[MASK]", false}}

	pieces := make([]string, len(m.pieces))
	scores := make([]float64, len(m.pieces))
	for i, p := range m.pieces {
		pieces[i], scores[i] = p.piece, float64(p.score)
	}
	uni, err := newUnigram(pieces, scores, m.unkID, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Tokenizer{model: uni}
	var norms normalizerSeq
	if cfg.DoLowerCase {
		norms = append(norms, normalizerFunc(lowercase))
	}
	norms = append(norms, normalizerFunc(func(n *normString) { stripNormalizer(n, true, true) }))
	if len(m.charsmap) > 0 {
		p, err := parsePrecompiled(m.charsmap)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		norms = append(norms, normalizerFunc(p.normalize))
	}
	spaces := " {2,}"
	re, err := newPattern(nil, &spaces)
	if err != nil {
		return nil, err
	}
	norms = append(norms, replaceNormalizer{re, " "})
	t.normalizer = norms
	var pres preTokenizerSeq
	if cfg.SplitByPunct {
		pres = append(pres, preTokenizerFunc(func(s []split) []split {
			return splitEach(s, func(n *normString) []*normString {
				return n.split(runeMatches(n.norm, isPunctuation), splitIsolated)
			})
		}))
	}
	t.pre = append(pres, metaspace{replacement: '▁', prepend: "always", split: true})

	var added []addedToken
	have := map[string]bool{}
	for i, p := range m.pieces {
		if p.typ == 3 || p.typ == 4 {
			added = append(added, addedToken{ID: i, Content: p.piece, Special: p.typ == 3})
			have[p.piece] = true
		}
	}
	next := len(pieces)
	for _, s := range specials {
		tok, err := name(s.raw, s.def)
		if err != nil {
			return nil, err
		}
		if have[tok] {
			continue
		}
		have[tok] = true
		id, ok := uni.ids[tok]
		if !ok {
			id = next
			next++
		}
		added = append(added, addedToken{ID: id, Content: tok, Normalized: s.normalized, Special: true})
	}
	if err := t.setAdded(added); err != nil {
		return nil, err
	}
	cls, ok1 := t.TokenID("[CLS]")
	sep, ok2 := t.TokenID("[SEP]")
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: the vocabulary lacks [CLS] or [SEP]", path)
	}
	t.post = &template{
		single: []templatePiece{{special: "[CLS]"}, {seq: 0}, {special: "[SEP]"}},
		pair:   []templatePiece{{special: "[CLS]"}, {seq: 0}, {special: "[SEP]"}, {seq: 1, typeID: 1}, {special: "[SEP]", typeID: 1}},
		specials: map[string]templateSpecial{
			"[CLS]": {ids: []int{cls}, tokens: []string{"[CLS]"}},
			"[SEP]": {ids: []int{sep}, tokens: []string{"[SEP]"}},
		},
	}
	return t, nil
}
