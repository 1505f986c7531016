package model

import (
	"sort"
	"strings"
	"unicode"
)

// tinyVocab builds a WordPiece vocabulary: the special tokens first (ids
// 0..), then, sorted, every lower-cased word and punctuation mark of texts
// (split the way BERT's pre-tokenizer splits), and every character of them
// both alone and as a "##" continuation, so that any word spelled with those
// characters tokenizes without [UNK]. Deterministic.
func tinyVocab(specials []string, texts []string) []string {
	set := map[string]bool{}
	for _, text := range texts {
		for _, w := range splitLikeBert(strings.ToLower(text)) {
			set[w] = true
			for _, r := range w {
				set[string(r)] = true
				set["##"+string(r)] = true
			}
		}
	}
	words := make([]string, 0, len(set))
	for w := range set {
		words = append(words, w)
	}
	sort.Strings(words)
	return append(append([]string{}, specials...), words...)
}

// splitLikeBert splits at white space and isolates punctuation, as
// BertPreTokenizer does.
func splitLikeBert(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			flush()
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			flush()
			out = append(out, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// tinyTokenizerJSON returns tokenizer.json and tokenizer_config.json for a
// WordPiece vocabulary with the family's special tokens and templates:
// BERT/ELECTRA "[CLS] A [SEP] B [SEP]" with type ids 0/1, RoBERTa
// "<s> A </s> </s> B </s>" with type ids all 0.
func tinyTokenizerJSON(fam Family, vocab []string, maxLen int) (tok, cfg map[string]any) {
	ids := make(map[string]int, len(vocab))
	for i, w := range vocab {
		ids[w] = i
	}
	sp := tinySpecials[fam] // BERT: pad unk cls sep mask; RoBERTa: cls pad sep unk mask
	pad, unk, cls, sep, mask := sp[0], sp[1], sp[2], sp[3], sp[4]
	if fam == FamilyRoBERTa {
		cls, pad, sep, unk = sp[0], sp[1], sp[2], sp[3]
	}
	added := make([]map[string]any, 0, len(sp))
	for _, s := range sp {
		added = append(added, map[string]any{"id": ids[s], "content": s, "single_word": false,
			"lstrip": false, "rstrip": false, "normalized": false, "special": true})
	}
	pairType := 1
	if fam == FamilyRoBERTa {
		pairType = 0
	}
	tok = map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added,
		"normalizer": map[string]any{"type": "BertNormalizer", "clean_text": true,
			"handle_chinese_chars": true, "strip_accents": nil, "lowercase": true},
		"pre_tokenizer":  map[string]any{"type": "BertPreTokenizer"},
		"post_processor": templateProcessing(fam, cls, sep, ids, pairType),
		"decoder":        map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{"type": "WordPiece", "unk_token": unk,
			"continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": ids},
	}
	cfg = map[string]any{
		"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": maxLen,
		"do_lower_case": true, "pad_token": pad, "unk_token": unk, "cls_token": cls,
		"sep_token": sep, "mask_token": mask,
	}
	return tok, cfg
}

func templateProcessing(fam Family, cls, sep string, ids map[string]int, pairType int) map[string]any {
	special := func(s string, typeID int) map[string]any {
		return map[string]any{"SpecialToken": map[string]any{"id": s, "type_id": typeID}}
	}
	seq := func(s string, typeID int) map[string]any {
		return map[string]any{"Sequence": map[string]any{"id": s, "type_id": typeID}}
	}
	single := []any{special(cls, 0), seq("A", 0), special(sep, 0)}
	pair := []any{special(cls, 0), seq("A", 0), special(sep, 0)}
	if fam == FamilyRoBERTa {
		pair = append(pair, special(sep, pairType))
	}
	pair = append(pair, seq("B", pairType), special(sep, pairType))
	tokens := map[string]any{}
	for _, s := range []string{cls, sep} {
		tokens[s] = map[string]any{"id": s, "ids": []int{ids[s]}, "tokens": []string{s}}
	}
	return map[string]any{"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": tokens}
}
