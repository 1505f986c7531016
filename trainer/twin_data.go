package trainer

import (
	"fmt"
	"slices"
	"sync"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// twinDoc is one (post, criterion) document of the share and joint agents:
// the post split into windows, each paired with the criterion text, and
// the gold evidence spans in document positions (none: "no evidence").
type twinDoc struct {
	windows []twinWindow
	golds   []span.Span
}

// class is the document's classification target: 1 when the post shows
// the criterion (it has gold evidence), else 0.
func (d twinDoc) class() int { return b2int(len(d.golds) > 0) }

// twinWindow is one model input with its training targets: start and end
// are token positions in the window's encoding of the first gold span lying
// wholly inside the window, or both 0 (the first token: "no evidence
// here"). Its classification target is 1 exactly when it has a span.
type twinWindow struct {
	model.Window
	start, end int
}

func (w twinWindow) class() int { return b2int(w.start > 0) }

func b2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// windowRef names window win of document doc of the training split.
type windowRef struct{ doc, win int }

// twinData is one study split's documents for one (model folder,
// max_length, doc_stride). Read-only once built.
type twinData struct {
	train, validation, test []twinDoc
	// answered and null are the training windows with and without a target
	// span; an epoch trains on every answered window and a qa.neg_ratio
	// share of the null ones.
	answered, null []windowRef
}

// twinKey identifies a windowing.
type twinKey struct {
	study, modelDir      string
	maxLength, docStride int
}

// twinCache builds each windowing once and keeps the cfg.CacheEntries most
// recently used, as corpusCache does for criteria examples; the corpus is
// read once. Safe for concurrent use.
type twinCache struct {
	cfg    Config
	mu     sync.Mutex
	corpus *data.Corpus
	sets   map[twinKey]*twinData
	recent []twinKey // least recently used first
}

func newTwinCache(cfg Config) *twinCache {
	return &twinCache{cfg: cfg, sets: make(map[twinKey]*twinData)}
}

// get returns the documents of key, building them on first use. The
// study's split is loaded from (or created in) <OutDir>/<study>/split.json,
// the file the criteria agent uses.
func (c *twinCache) get(key twinKey) (*twinData, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.sets[key]; ok {
		c.touch(key)
		return d, nil
	}
	if c.corpus == nil {
		corpus, _, err := data.Load(c.cfg.DataDir, c.cfg.Validation)
		if err != nil {
			return nil, fmt.Errorf("load corpus %s: %w", c.cfg.DataDir, err)
		}
		c.corpus = corpus
	}
	split, err := data.LoadOrCreateSplit(data.SplitPath(c.cfg.OutDir, key.study), c.corpus.PostIDs(), c.cfg.Split)
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", key.study, err)
	}
	tok, err := model.NewTokenizer(key.modelDir, key.maxLength)
	if err != nil {
		return nil, fmt.Errorf("tokenizer of %s: %w", key.modelDir, err)
	}
	d := &twinData{}
	for _, part := range []struct {
		docs  *[]twinDoc
		posts []string
	}{{&d.train, split.Train}, {&d.validation, split.Validation}, {&d.test, split.Test}} {
		if *part.docs, err = buildTwinDocs(c.corpus, tok, part.posts, key.docStride); err != nil {
			return nil, err
		}
	}
	if len(d.train) == 0 || len(d.validation) == 0 {
		return nil, fmt.Errorf("study %s: %d train and %d validation documents; both parts need some", key.study, len(d.train), len(d.validation))
	}
	for i, doc := range d.train {
		for k, w := range doc.windows {
			if w.class() == 1 {
				d.answered = append(d.answered, windowRef{i, k})
			} else {
				d.null = append(d.null, windowRef{i, k})
			}
		}
	}
	c.sets[key] = d
	c.touch(key)
	return d, nil
}

func (c *twinCache) touch(key twinKey) {
	c.recent = slices.DeleteFunc(c.recent, func(k twinKey) bool { return k == key })
	c.recent = append(c.recent, key)
	for len(c.recent) > c.cfg.CacheEntries {
		delete(c.sets, c.recent[0])
		c.recent = c.recent[1:]
	}
}

// buildTwinDocs makes one document per annotated (post, criterion) pair of
// the posts (data.BuildEvidence's examples, grouped: a pair with several
// evidence sentences has several gold spans). Each post is tokenized alone
// and split into windows of tok.max_length with stride tokens shared by
// neighbours (model.Tokenizer.EncodeWindows); a gold span is the document
// tokens covering its sentence (data.TokenSpan).
func buildTwinDocs(c *data.Corpus, tok *model.Tokenizer, posts []string, stride int) ([]twinDoc, error) {
	exs, _ := data.BuildEvidence(c, posts)
	var docs []twinDoc
	for i := 0; i < len(exs); {
		j := i + 1
		for j < len(exs) && exs[j].PostID == exs[i].PostID && exs[j].Label == exs[i].Label {
			j++
		}
		doc, err := twinDocOf(tok, exs[i:j], stride)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
		i = j
	}
	return docs, nil
}

// twinDocOf builds the document of one (post, criterion) pair's examples.
func twinDocOf(tok *model.Tokenizer, exs []data.EvidenceExample, stride int) (twinDoc, error) {
	first := exs[0]
	ws, err := tok.EncodeWindows(first.Post, first.Criterion, stride)
	if err != nil {
		// A doc stride or max_length that leaves no window room is the
		// trial's parameters' fault: not retried.
		return twinDoc{}, fmt.Errorf("%w: post %s, %s: %w", activities.ErrInvalidConfig, first.PostID, first.Label, err)
	}
	inText := make([]bool, len(ws.Text))
	for i := range inText {
		inText[i] = true
	}
	var doc twinDoc
	for _, e := range exs {
		if !e.HasAnswer {
			continue
		}
		if s, t, ok := data.TokenSpan(ws.Text, inText, e.Answer); ok && !slices.Contains(doc.golds, span.Span{First: s, Last: t}) {
			doc.golds = append(doc.golds, span.Span{First: s, Last: t})
		}
	}
	for _, w := range ws.Windows {
		tw := twinWindow{Window: w}
		for _, g := range doc.golds {
			if g.First >= w.Offset && g.Last < w.Offset+w.TextLen {
				tw.start, tw.end = w.TextStart+g.First-w.Offset, w.TextStart+g.Last-w.Offset
				break
			}
		}
		doc.windows = append(doc.windows, tw)
	}
	return doc, nil
}
