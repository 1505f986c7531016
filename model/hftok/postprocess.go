package hftok

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// postProcessor adds special tokens and sets type ids, per sequence.
type postProcessor interface {
	process(encs []*Encoding) []*Encoding
	added(pair bool) int
}

func parsePostProcessor(raw json.RawMessage) (postProcessor, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var v struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("post_processor Sequence: %w", err)
		}
		var seq postSeq
		for i, r := range v.Processors {
			p, err := parsePostProcessor(r)
			if err != nil {
				return nil, fmt.Errorf("post_processor Sequence[%d]: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "BertProcessing", "RobertaProcessing":
		v := struct {
			Sep            [2]json.RawMessage `json:"sep"`
			Cls            [2]json.RawMessage `json:"cls"`
			TrimOffsets    bool               `json:"trim_offsets"`
			AddPrefixSpace bool               `json:"add_prefix_space"`
		}{TrimOffsets: true, AddPrefixSpace: true}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("post_processor %s: %w", head.Type, err)
		}
		var p bertProcessing
		for _, x := range []struct {
			raw [2]json.RawMessage
			tok *string
			id  *int
		}{{v.Sep, &p.sep, &p.sepID}, {v.Cls, &p.cls, &p.clsID}} {
			if err := json.Unmarshal(x.raw[0], x.tok); err != nil {
				return nil, fmt.Errorf("post_processor %s: special token: %w", head.Type, err)
			}
			if err := json.Unmarshal(x.raw[1], x.id); err != nil {
				return nil, fmt.Errorf("post_processor %s: special token id: %w", head.Type, err)
			}
		}
		if head.Type == "RobertaProcessing" {
			p.roberta, p.trim, p.addPrefixSpace = true, v.TrimOffsets, v.AddPrefixSpace
		}
		return p, nil
	case "ByteLevel":
		v := struct {
			TrimOffsets    bool `json:"trim_offsets"`
			AddPrefixSpace bool `json:"add_prefix_space"`
		}{TrimOffsets: true, AddPrefixSpace: true}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("post_processor ByteLevel: %w", err)
		}
		return byteLevelPost{trim: v.TrimOffsets, addPrefixSpace: v.AddPrefixSpace}, nil
	case "TemplateProcessing":
		return parseTemplate(raw)
	}
	return nil, fmt.Errorf("post_processor %q is not implemented", head.Type)
}

type postSeq []postProcessor

func (s postSeq) process(encs []*Encoding) []*Encoding {
	for _, p := range s {
		encs = p.process(encs)
	}
	return encs
}

func (s postSeq) added(pair bool) int {
	n := 0
	for _, p := range s {
		n += p.added(pair)
	}
	return n
}

func specialEnc(tok string, id, typeID int) *Encoding {
	return &Encoding{IDs: []int{id}, TypeIDs: []int{typeID}, Tokens: []string{tok}, Offsets: [][2]int{{0, 0}}, Special: []int{1}}
}

func setTypes(e *Encoding, typeID int) {
	for i := range e.TypeIDs {
		e.TypeIDs[i] = typeID
	}
}

// bertProcessing is BertProcessing ([CLS] A [SEP] B [SEP], type ids 0/1)
// or, with roberta set, RobertaProcessing (<s> A </s> </s> B </s>, type
// ids 0, offsets trimmed of byte-level spaces when trim is set).
type bertProcessing struct {
	sep, cls             string
	sepID, clsID         int
	roberta              bool
	trim, addPrefixSpace bool
}

func (p bertProcessing) added(pair bool) int {
	switch {
	case p.roberta && pair:
		return 4
	case pair:
		return 3
	}
	return 2
}

func (p bertProcessing) process(encs []*Encoding) []*Encoding {
	if p.roberta && p.trim {
		for _, e := range encs {
			trimOffsets(e, p.addPrefixSpace)
		}
	}
	out := make([]*Encoding, len(encs))
	for i, e := range encs {
		typeID := i
		if p.roberta {
			typeID = 0
		}
		setTypes(e, typeID)
		o := &Encoding{}
		switch {
		case i == 0:
			o.append(specialEnc(p.cls, p.clsID, 0))
		case p.roberta:
			o.append(specialEnc(p.sep, p.sepID, 0))
		}
		o.append(e)
		o.append(specialEnc(p.sep, p.sepID, typeID))
		out[i] = o
	}
	return out
}

type byteLevelPost struct{ trim, addPrefixSpace bool }

func (byteLevelPost) added(bool) int { return 0 }

func (p byteLevelPost) process(encs []*Encoding) []*Encoding {
	if p.trim {
		for _, e := range encs {
			trimOffsets(e, p.addPrefixSpace)
		}
	}
	return encs
}

// trimOffsets moves offsets off the leading and trailing spaces of each
// token: byte-level spaces (Ġ, one byte of the text) and white space of
// added tokens (byte_level::process_offsets). Hugging Face counts these in
// characters and, in Python and transformers, applies the counts to
// character offsets; we move byte offsets by the characters' bytes, which
// gives the same positions in the text.
func trimOffsets(e *Encoding, addPrefixSpace bool) {
	space := byteChars()[' ']
	width := func(r rune) int {
		switch {
		case r == space:
			return 1
		case isWhitespace(r):
			return utf8.RuneLen(r)
		}
		return 0
	}
	for i, tok := range e.Tokens {
		rs := []rune(tok)
		lead, leadBytes, trail, trailBytes := 0, 0, 0, 0
		for lead < len(rs) && width(rs[lead]) > 0 {
			leadBytes += width(rs[lead])
			lead++
		}
		for trail < len(rs) && width(rs[len(rs)-1-trail]) > 0 {
			trailBytes += width(rs[len(rs)-1-trail])
			trail++
		}
		o := &e.Offsets[i]
		if lead > 0 {
			isFirst := i == 0 || o[0] == 0
			if isFirst && addPrefixSpace && lead == 1 {
				leadBytes = 0
			}
			o[0] = min(o[0]+leadBytes, o[1])
		}
		if trail > 0 && o[1] >= trailBytes {
			o[1] = max(o[1]-trailBytes, o[0])
		}
	}
}

// template is TemplateProcessing.
type template struct {
	single, pair []templatePiece
	specials     map[string]templateSpecial
}

type templatePiece struct {
	special string // special token name, or "" for a sequence
	seq     int    // 0 for $A, 1 for $B
	typeID  int
}

type templateSpecial struct {
	ids    []int
	tokens []string
}

func parseTemplate(raw json.RawMessage) (postProcessor, error) {
	type piece struct {
		SpecialToken *struct {
			ID     string `json:"id"`
			TypeID int    `json:"type_id"`
		} `json:"SpecialToken"`
		Sequence *struct {
			ID     string `json:"id"`
			TypeID int    `json:"type_id"`
		} `json:"Sequence"`
	}
	var v struct {
		Single   []piece `json:"single"`
		Pair     []piece `json:"pair"`
		Specials map[string]struct {
			ID     string   `json:"id"`
			IDs    []int    `json:"ids"`
			Tokens []string `json:"tokens"`
		} `json:"special_tokens"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("post_processor TemplateProcessing: %w", err)
	}
	t := &template{specials: map[string]templateSpecial{}}
	for name, s := range v.Specials {
		if len(s.IDs) != len(s.Tokens) {
			return nil, fmt.Errorf("post_processor TemplateProcessing: special token %q has %d ids and %d tokens", name, len(s.IDs), len(s.Tokens))
		}
		t.specials[name] = templateSpecial{s.IDs, s.Tokens}
	}
	conv := func(ps []piece, which string) ([]templatePiece, error) {
		var out []templatePiece
		for i, p := range ps {
			switch {
			case p.SpecialToken != nil:
				if _, ok := t.specials[p.SpecialToken.ID]; !ok {
					return nil, fmt.Errorf("post_processor TemplateProcessing: %s[%d]: special token %q not in special_tokens", which, i, p.SpecialToken.ID)
				}
				out = append(out, templatePiece{special: p.SpecialToken.ID, typeID: p.SpecialToken.TypeID})
			case p.Sequence != nil:
				seq := 0
				switch p.Sequence.ID {
				case "A":
				case "B":
					seq = 1
				default:
					return nil, fmt.Errorf("post_processor TemplateProcessing: %s[%d]: sequence %q", which, i, p.Sequence.ID)
				}
				out = append(out, templatePiece{seq: seq, typeID: p.Sequence.TypeID})
			default:
				return nil, fmt.Errorf("post_processor TemplateProcessing: %s[%d] is neither SpecialToken nor Sequence", which, i)
			}
		}
		return out, nil
	}
	var err error
	if t.single, err = conv(v.Single, "single"); err != nil {
		return nil, err
	}
	if t.pair, err = conv(v.Pair, "pair"); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *template) added(pair bool) int {
	ps := t.single
	if pair {
		ps = t.pair
	}
	n := 0
	for _, p := range ps {
		if p.special != "" {
			n += len(t.specials[p.special].ids)
		}
	}
	return n
}

func (t *template) process(encs []*Encoding) []*Encoding {
	ps := t.single
	if len(encs) > 1 {
		ps = t.pair
	}
	out := &Encoding{}
	for _, p := range ps {
		if p.special != "" {
			s := t.specials[p.special]
			for k, id := range s.ids {
				out.append(specialEnc(s.tokens[k], id, p.typeID))
			}
			continue
		}
		if p.seq < len(encs) {
			e := encs[p.seq].clone()
			setTypes(e, p.typeID)
			out.append(e)
		}
	}
	return []*Encoding{out}
}
