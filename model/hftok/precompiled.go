package hftok

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// precompiled is SentencePiece's precompiled character map (the nmt_nfkc
// rules of a SentencePiece model, or the "Precompiled" normalizer of a
// tokenizer.json): a darts-clone double-array trie over UTF-8 byte strings
// whose values are offsets into a blob of NUL-terminated replacement
// strings. Layout: a little-endian uint32 trie size in bytes, the trie as
// little-endian uint32 units, then the blob.
type precompiled struct {
	units []uint32
	blob  string
}

func parsePrecompiled(b []byte) (*precompiled, error) {
	if len(b) < 4 {
		return nil, errors.New("precompiled_charsmap shorter than its 4-byte header")
	}
	size := int(binary.LittleEndian.Uint32(b))
	if size%4 != 0 || size > len(b)-4 || size == 0 {
		return nil, fmt.Errorf("precompiled_charsmap trie size %d does not fit its %d bytes", size, len(b))
	}
	p := &precompiled{units: make([]uint32, size/4), blob: string(b[4+size:])}
	for i := range p.units {
		p.units[i] = binary.LittleEndian.Uint32(b[4+4*i:])
	}
	if !utf8.ValidString(p.blob) {
		return nil, errors.New("precompiled_charsmap replacement strings are not UTF-8")
	}
	return p, nil
}

func unitHasLeaf(u uint32) bool { return (u>>8)&1 == 1 }
func unitValue(u uint32) int    { return int(u & (1<<31 - 1)) }
func unitLabel(u uint32) uint32 { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) int   { return int((u >> 10) << ((u & (1 << 9)) >> 6)) }

// firstPrefixValue is the value of the shortest key of the trie that is a
// prefix of key (a NUL byte ends key), ok false when none is. Hugging Face
// (spm_precompiled) uses the shortest match, not the longest, and so do we.
func (p *precompiled) firstPrefixValue(key string) (int, bool) {
	pos := 0
	if len(p.units) == 0 {
		return 0, false
	}
	pos ^= unitOffset(p.units[0])
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			break
		}
		pos ^= int(c)
		if pos < 0 || pos >= len(p.units) {
			return 0, false
		}
		u := p.units[pos]
		if unitLabel(u) != uint32(c) {
			return 0, false
		}
		pos ^= unitOffset(u)
		if pos < 0 || pos >= len(p.units) {
			return 0, false
		}
		if unitHasLeaf(u) {
			return unitValue(p.units[pos]), true
		}
	}
	return 0, false
}

// transform is the replacement of chunk, ok false when the map has none.
func (p *precompiled) transform(chunk string) (string, bool) {
	v, ok := p.firstPrefixValue(chunk)
	if !ok || v > len(p.blob) {
		return "", false
	}
	end := v
	for end < len(p.blob) && p.blob[end] != 0 {
		end++
	}
	return p.blob[v:end], true
}

// normalize applies the map the way Hugging Face's Precompiled normalizer
// does: per extended grapheme cluster, the whole cluster when it is shorter
// than 6 bytes and has a replacement, else character by character.
func (p *precompiled) normalize(n *normString) {
	dest := make([]change, 0, len(n.norm))
	modified := false
	replace := func(old, repl string) {
		diff := utf8.RuneCountInString(repl) - utf8.RuneCountInString(old)
		for _, r := range repl {
			dest = append(dest, change{r, 0})
		}
		switch {
		case diff > 0:
			for i := len(dest) - 1; i >= 0 && i >= len(dest)-diff; i-- {
				dest[i].d = 1
			}
		case diff < 0:
			if len(dest) > 0 {
				dest[len(dest)-1].d += diff
			}
		}
	}
	g := uniseg.NewGraphemes(n.norm)
	for g.Next() {
		cluster := g.Str()
		if len(cluster) < 6 {
			if repl, ok := p.transform(cluster); ok {
				modified = true
				replace(cluster, repl)
				continue
			}
		}
		for i, r := range cluster {
			part := cluster[i : i+utf8.RuneLen(r)]
			if repl, ok := p.transform(part); ok {
				modified = true
				replace(part, repl)
			} else {
				dest = append(dest, change{r, 0})
			}
		}
	}
	if modified {
		n.transform(dest, 0)
	}
}
