#!/usr/bin/env python3
"""Regenerates the Hugging Face tokenizer parity references in this folder.

Run from the repository root with the project venv (scripts/python-env.sh
installs the pinned tokenizers, transformers, sentencepiece and protobuf):

    "$SUPERMAX_CACHE/venv/bin/python" model/testdata/tokenizers/make_parity.py

With --sweep [DUMP.json] it writes parity/sweep.json, digests of Hugging
Face's output for every code point (planes 0-1, every 97th above) through
the normalizers and pre-tokenizers (hftok's TestUnicodeSweep recomputes
them; DUMP.json, when given, holds the outputs themselves, for
HFTOK_SWEEP_DUMP to name the differing code points).

With --check it trains nothing: it loads the committed folders with the
installed libraries and exits 1 unless they give expected.json.gz exactly
(model's TestParityReferencesAreHuggingFaces runs that).

It trains small tokenizers on the ReDSM5 fixture texts plus the test strings
below, writes each one as a Hugging Face folder under parity/<name>/ (exactly
the files a real model folder of that family ships), and records Hugging
Face's fast-tokenizer output for every test case in parity/expected.json.gz:

- bert-uncased, bert-cased: WordPiece vocab.txt (trained by tokenizers'
  BertWordPieceTokenizer) converted by transformers' BertTokenizerFast /
  ElectraTokenizerFast (the BertConverter), as bert-base-uncased and the
  ELECTRA discriminators ship them;
- roberta: byte-level BPE vocab.json + merges.txt converted by
  RobertaTokenizerFast (RobertaConverter, <mask> with lstrip);
- xlm-roberta: a SentencePiece Unigram model (nmt_nfkc) converted by
  XLMRobertaTokenizerFast (XLMRobertaConverter: Precompiled charsmap, Strip,
  Replace, Metaspace, <s> A </s></s> B </s>);
- deberta-v3, deberta-v3-lower-punct: a SentencePiece Unigram spm.model
  with DeBERTa-v3's special pieces, converted by DebertaV2TokenizerFast
  (DebertaV2Converter), the second with do_lower_case and split_by_punct.
  Their folders hold spm.model and tokenizer_config.json only, as the real
  microsoft/deberta-v3-* folders do; tokenizer.json (what the converter
  built) is kept beside as converted.json for the Go test to load too;
- sp-unigram: tokenizers' own SentencePieceUnigramTokenizer (Nmt, NFKC,
  Replace, Metaspace).

Every case is (text, pair, max_length); max_length 0 means no truncation,
otherwise longest_first truncation. Offsets are byte offsets into the text
the token came from (Python's character offsets converted back to the byte
offsets the Rust library computes; tokens' offsets lie on character
boundaries, so nothing is lost).
"""
import csv
import gzip
import io
import json
import os
import random
import shutil
import sys

import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import SentencePieceUnigramTokenizer, BertWordPieceTokenizer, ByteLevelBPETokenizer
from transformers import (BertTokenizerFast, DebertaV2TokenizerFast, ElectraTokenizerFast,
                          RobertaTokenizerFast, XLMRobertaTokenizerFast)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "parity")
FIXTURE = os.path.join(ROOT, "data", "testdata", "redsm5-fixture")


def fixture_texts():
    texts = []
    with open(os.path.join(FIXTURE, "posts.csv"), newline="", encoding="utf-8") as f:
        texts += [r["text"] for r in csv.DictReader(f)]
    with open(os.path.join(FIXTURE, "annotations.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            texts += [r["sentence_text"], r["explanation"]]
    return texts


# Fragments the random strings are built from: accents (precomposed and
# combining), full-width and compatibility forms, odd spaces, zero-width and
# control characters, emoji (ZWJ sequences, skin tones, flags, keycaps),
# scripts with multi-code-point graphemes, punctuation, digits and the
# special tokens of every family.
FRAGMENTS = [
    "café", "cafe\u0301", "naïve", "Crème brûlée", "ÉCOLE", "Ångström", "façade", "jalapeño",
    "Straße", "İstanbul", "ǅemal", "ΣΊΣΥΦΟΣ", "ὈΔΥΣΣΕΎΣ", "ﬁne", "ﬂow", "Ⅻ", "①②", "x²", "½",
    "ＡＢＣ", "ｈｅｌｌｏ", "１２３", "！？", "ｶﾀｶﾅ", "（全角）", "㍿", "℃", "™", "…", "—", "–",
    "\u00a0", "\u2002", "\u2003", "\u2009", "\u200a", "\u202f", "\u205f", "\u3000", "\u1680",
    "\u0085", "\u200b", "\u200c", "\u200d", "\u200e", "\u2028", "\u2029", "\ufeff", "\u00ad",
    "\t", "\n", "\r\n", "\x0b", "\x0c", "\x00", "\x01", "\x07", "\x1b", "\x1f", "\x7f", "\x80",
    "\x9f", "\ufffd", "\u2581", "\u2581\u2581", "\ue000",
    "😀", "😢", "😭", "🥰", "🫠", "👍🏽", "👩\u200d💻", "👨\u200d👩\u200d👧", "🇺🇸", "🇩🇪", "1\ufe0f\u20e3",
    "❤\ufe0f", "☺", "✨", "🏳\ufe0f\u200d🌈",
    "日本語", "中文字符", "한국어", "ㄱㅏ", "العربية", "עברית", "हिन्दी", "क्षत्रिय", "ภาษาไทย",
    "Ελληνικά", "русский", "Ślůžba", "tiếng Việt", "ọ̀", "a\u0323\u0302", "e\u0302\u0323", "ᄀ\u1161\u11a8",
    "don't", "I'm", "we'll", "she's", "they've", "I'd", "you're", "O'Neil", "rock'n'roll",
    "'s", "'S", "''", "``", "\"quoted\"", "«guillemets»", "„low“", "‘single’",
    "hello", "world", "depressed", "mood", "sleep", "insomnia", "appetite", "worthless",
    "feel", "sad", "empty", "tired", "every", "day", "can't", "anymore", "help",
    "3.14", "1,000", "2026-12-04", "100%", "$5", "€10", "#hashtag", "@user", "e-mail",
    "https://example.com/a?b=c", "a.b.c", "C++", "x=y+z", "<3", ":-)", "...", "!!!", "?!",
    "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "<s>", "</s>", "<mask>", "<pad>", "<unk>",
    " <mask> ", "[mask]", "<S>", "  ", "   ", "    ", " ", "_", "▁hello",
]

SPECIAL = ["", " ", "  ", "\t", "\n", "\u3000", "\u00a0", "\x00", "\u200b", "a", "A", ".",
           "\u2581", "▁▁", " a ", "  a  b  ", "a  b", "a\u00a0\u00a0b", "[CLS]", "<s>", "<mask>",
           "[MASK] [SEP]", "<s></s>", "hello<mask>world", "hello <mask> world", "x [MASK]y",
           "😀" * 20, "ab" * 80, "x" * 99, "y" * 100, "z" * 101, "w" * 150, "long" * 100,
           "supercalifragilisticexpialidocious", "Pneumonoultramicroscopicsilicovolcanoconiosis",
           "é" * 60, "\u0301" * 5, "a\u0301\u0301\u0301", "e" + "\u0301" * 10, "日" * 40,
           "한" * 30, "\u0000\u0001\u0002", "\r\r\r", "\t \t \t", " leading", "trailing ",
           "  both  ", "UPPER lower MiXeD", "İİİ", "ß" * 5, "ﬁﬁﬁ", "①②③④⑤", "ＦＵＬＬ　ＷＩＤＴＨ"]


def random_strings(rng, n):
    out = []
    for _ in range(n):
        k = rng.randint(1, 12)
        parts = []
        for _ in range(k):
            frag = rng.choice(FRAGMENTS)
            if rng.random() < 0.15:
                frag = frag.upper() if rng.random() < 0.5 else frag * rng.randint(2, 4)
            parts.append(frag)
            sep = rng.random()
            if sep < 0.55:
                parts.append(" ")
            elif sep < 0.65:
                parts.append(rng.choice(["  ", "\u00a0", "\t", "\n", "\u3000", "   "]))
        out.append("".join(parts))
    return out


def make_cases():
    rng = random.Random(20261204)
    texts = fixture_texts()
    singles = list(dict.fromkeys(SPECIAL + texts + random_strings(rng, 900)))
    cases = [{"text": s, "pair": "", "max_length": 0} for s in singles]
    # Pairs (post sentence, criterion-like text), some truncated.
    pool = texts + singles
    for i in range(260):
        a, b = rng.choice(pool), rng.choice(pool)
        if not b:
            b = "mood"
        ml = rng.choice([0, 0, 8, 12, 16, 24, 32, 64])
        cases.append({"text": a, "pair": b, "max_length": ml})
    for ml in (4, 5, 6, 7, 9, 40):
        cases.append({"text": texts[0], "pair": texts[1], "max_length": ml})
        cases.append({"text": texts[2], "pair": "", "max_length": ml})
    return cases, texts


def train_spm(path_prefix, corpus, **extra):
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_writer=buf, model_type="unigram",
        vocab_size=extra.pop("vocab_size", 700), hard_vocab_limit=False,
        normalization_rule_name="nmt_nfkc", character_coverage=0.9995, seed_sentencepiece_size=20000,
        num_threads=1, minloglevel=2, **extra)
    with open(path_prefix, "wb") as f:
        f.write(buf.getvalue())


def reset(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def build(corpus):
    """Returns {name: fast tokenizer}, writing the folders."""
    toks = {}
    work = os.path.join(OUT, "_work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    for name, lower, cls in (("bert-uncased", True, BertTokenizerFast), ("bert-cased", False, ElectraTokenizerFast)):
        wp = BertWordPieceTokenizer(lowercase=lower, strip_accents=None)
        wp.train_from_iterator(corpus, vocab_size=900, min_frequency=1, limit_alphabet=400)
        wp.save_model(work, name)
        tok = cls(vocab_file=os.path.join(work, name + "-vocab.txt"), do_lower_case=lower)
        d = reset(name)
        tok.save_pretrained(d)
        os.remove(os.path.join(d, "vocab.txt"))  # the folder keeps tokenizer.json
        toks[name] = tok

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=1200, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(work, "roberta")
    tok = RobertaTokenizerFast(vocab_file=os.path.join(work, "roberta-vocab.json"),
                               merges_file=os.path.join(work, "roberta-merges.txt"))
    d = reset("roberta")
    tok.save_pretrained(d)
    for f in ("vocab.json", "merges.txt"):
        os.remove(os.path.join(d, f))
    toks["roberta"] = tok

    xlmr_model = os.path.join(work, "xlmr.model")
    train_spm(xlmr_model, corpus)
    tok = XLMRobertaTokenizerFast(vocab_file=xlmr_model)
    d = reset("xlm-roberta")
    tok.save_pretrained(d)
    os.remove(os.path.join(d, "sentencepiece.bpe.model"))
    toks["xlm-roberta"] = tok

    deb_model = os.path.join(work, "deberta.model")
    train_spm(deb_model, corpus, pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]",
              bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]")
    for name, lower, punct in (("deberta-v3", False, False), ("deberta-v3-lower-punct", True, True)):
        d = reset(name)
        shutil.copy(deb_model, os.path.join(d, "spm.model"))
        spm_path = os.path.join(d, "spm.model")
        cfg = {"do_lower_case": lower, "split_by_punct": punct, "vocab_type": "spm"}
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        tok = DebertaV2TokenizerFast(vocab_file=spm_path, do_lower_case=lower, split_by_punct=punct)
        if punct:
            # What the converter built, for the Go test to load as a tokenizer.json too.
            tok.backend_tokenizer.save(os.path.join(OUT, name + ".converted.json"))
            os.remove(spm_path)  # the same file as deberta-v3/spm.model; the Go test copies it
        toks[name] = tok

    spu = SentencePieceUnigramTokenizer()
    # (its trainer fails with NaN likelihoods on the control-character strings)
    spu.train_from_iterator([t for t in corpus if len(t) < 120 and t.isprintable()], vocab_size=600, special_tokens=["<pad>", "<unk>", "<s>", "</s>"],
                            unk_token="<unk>")
    d = reset("sp-unigram")
    spu.save(os.path.join(d, "tokenizer.json"))
    toks["sp-unigram"] = tokenizers.Tokenizer.from_file(os.path.join(d, "tokenizer.json"))

    shutil.rmtree(work)
    return toks


def backend_for(tok, max_length, cache={}):
    """A copy of tok's Rust tokenizer with the case's truncation, cached."""
    key = (id(tok), max_length)
    if key not in cache:
        backend = tok if isinstance(tok, tokenizers.Tokenizer) else tok.backend_tokenizer
        backend = tokenizers.Tokenizer.from_str(backend.to_str())
        backend.no_padding()
        if max_length:
            backend.enable_truncation(max_length, strategy="longest_first")
        else:
            backend.no_truncation()
        cache[key] = (tok, backend)
    return cache[key][1]


def encode(tok, case):
    backend = backend_for(tok, case["max_length"])
    enc = backend.encode(case["text"], case["pair"] or None, add_special_tokens=True)
    texts = [case["text"], case["pair"]]
    offsets = []
    for (start, end), seq in zip(enc.offsets, enc.sequence_ids):
        t = texts[seq or 0]
        offsets.append([len(t[:start].encode("utf-8")), len(t[:end].encode("utf-8"))])
    return {"ids": enc.ids, "type_ids": enc.type_ids, "special": enc.special_tokens_mask, "offsets": offsets}


def load_committed():
    """The committed tokenizers, loaded by Hugging Face as a user would."""
    toks = {}
    for name in ("bert-uncased", "bert-cased", "roberta", "xlm-roberta", "sp-unigram"):
        toks[name] = tokenizers.Tokenizer.from_file(os.path.join(OUT, name, "tokenizer.json"))
    spm_path = os.path.join(OUT, "deberta-v3", "spm.model")
    for name in ("deberta-v3", "deberta-v3-lower-punct"):
        with open(os.path.join(OUT, name, "tokenizer_config.json")) as f:
            cfg = json.load(f)
        toks[name] = DebertaV2TokenizerFast(vocab_file=spm_path, do_lower_case=cfg["do_lower_case"],
                                            split_by_punct=cfg["split_by_punct"])
    return toks


def check():
    """Exit status 1 unless the installed Hugging Face libraries give the
    committed expected.json.gz for the committed tokenizers."""
    with gzip.open(os.path.join(OUT, "expected.json.gz"), "rt", encoding="utf-8") as f:
        doc = json.load(f)
    toks = load_committed()
    bad = 0
    for name, tok in toks.items():
        want = doc["results"][name]
        for i, case in enumerate(doc["cases"]):
            if encode(tok, case) != want[i]:
                bad += 1
                if bad <= 5:
                    print("%s case %d %r differs" % (name, i, case), file=sys.stderr)
    print("%d cases x %d tokenizers checked, %d differ (tokenizers %s, transformers %s)" % (
        len(doc["cases"]), len(toks), bad, tokenizers.__version__, transformers.__version__))
    sys.exit(1 if bad else 0)


# The code-point sweep: every code point of planes 0 and 1 and every 97th
# above, each between "a" and "b", through the normalizers and
# pre-tokenizers below; package hftok's TestUnicodeSweep recomputes the
# digests. This pins the Unicode tables (categories, decompositions,
# graphemes, case) to Hugging Face's.
SWEEP = [("normalizer", "bert-uncased"), ("normalizer", "bert-cased"), ("normalizer", "xlm-roberta"),
         ("normalizer", "sp-unigram"), ("pre_tokenizer", "bert-uncased"), ("pre_tokenizer", "roberta"),
         ("pre_tokenizer", "deberta-v3-lower-punct.converted.json")]


def sweep_domain():
    for cp in list(range(0, 0x20000)) + list(range(0x20000, 0x110000, 97)):
        if not 0xD800 <= cp <= 0xDFFF:
            yield cp


def sweep_outputs(kind, name):
    path = os.path.join(OUT, name) if name.endswith(".json") else os.path.join(OUT, name, "tokenizer.json")
    tok = tokenizers.Tokenizer.from_file(path)
    comp = getattr(tok, kind)
    for cp in sweep_domain():
        s = "a" + chr(cp) + "b"
        if kind == "normalizer":
            out = comp.normalize_str(s)
        else:
            out = "\x1f".join(p for p, _ in comp.pre_tokenize_str(s))
        if out != s:
            yield cp, out


def sweep(dump=None):
    import hashlib
    digests, full = {}, {}
    for kind, name in SWEEP:
        key = "%s %s" % (name, kind)
        h, n, d = hashlib.sha256(), 0, {}
        for cp, out in sweep_outputs(kind, name):
            h.update(("%X\t%s\n" % (cp, out)).encode("utf-8"))
            n += 1
            d["%X" % cp] = out
        digests[key] = {"changed": n, "sha256": h.hexdigest()}
        full[key] = d
        print(key, n, file=sys.stderr)
    with open(os.path.join(OUT, "sweep.json"), "w") as f:
        json.dump({"source": "make_parity.py --sweep with tokenizers %s" % tokenizers.__version__,
                   "digests": digests}, f, indent=1, sort_keys=True)
    if dump:
        with open(dump, "w") as f:
            json.dump(full, f, ensure_ascii=False)


def main():
    if sys.argv[1:] == ["--check"]:
        check()
    if sys.argv[1:2] == ["--sweep"]:
        sweep(sys.argv[2] if len(sys.argv) > 2 else None)
        return
    cases, texts = make_cases()
    corpus = texts + [c["text"] for c in cases if c["pair"] == ""] * 1
    os.makedirs(OUT, exist_ok=True)
    toks = build(corpus)
    results = {}
    for name, tok in toks.items():
        results[name] = [encode(tok, c) for c in cases]
    doc = {"source": "make_parity.py with tokenizers %s, transformers %s, sentencepiece %s" % (
        tokenizers.__version__, transformers.__version__, spm.__version__),
        "cases": cases, "results": results}
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(os.path.join(OUT, "expected.json.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0) as g:
            g.write(raw)
    print("%d cases x %d tokenizers -> %s" % (len(cases), len(toks), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
