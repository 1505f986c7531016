package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/model"
	"github.com/redsm5/supermax-hpo/trainer/span"
)

// evidenceDoc is one (post, criterion) pair of the evidence agent: the
// post split into windows, each paired with the criterion text, and the
// gold answers in document positions (the post's own token numbers; see
// package span). No gold span means "no evidence".
type evidenceDoc struct {
	postID  string
	label   data.Label
	windows []evidenceWindow
	golds   []span.Span
}

// evidenceWindow is one model input of a document with its training
// targets: start and end are positions in the window's encoding of the
// first gold span (in document order) that lies wholly inside the window,
// or both 0, the first token, "no evidence here" — Hugging Face's rule for
// an answer cut by the window or absent.
type evidenceWindow struct {
	model.Window
	start, end int
}

// answered reports whether the window has a target span.
func (w evidenceWindow) answered() bool { return w.start > 0 }

// evidenceRef names window win of training document doc.
type evidenceRef struct{ doc, win int }

// evidenceData is one study split's documents for one windowing (model
// folder, max_length, doc_stride). Read-only once built.
type evidenceData struct {
	train, validation, test []evidenceDoc
	// answered and null are the training windows with and without a target
	// span, in document order.
	answered, null []evidenceRef
}

// epochWindows returns the training windows of an epoch, in training order:
// every answered window and ceil(negRatio·len(null)) of the null ones, the
// null ones chosen and then everything shuffled by PCG streams of (seed,
// epoch) — so the choice is the same in every attempt of the epoch and the
// count, hence the schedule's steps per epoch, is the same in every epoch.
func (d *evidenceData) epochWindows(seed uint64, epoch int, negRatio float64) []evidenceRef {
	keep := int(math.Ceil(negRatio * float64(len(d.null))))
	keep = min(max(keep, 0), len(d.null))
	pick := rand.New(rand.NewPCG(seed, uint64(epoch)<<1))
	out := slices.Clone(d.answered)
	for _, i := range pick.Perm(len(d.null))[:keep] {
		out = append(out, d.null[i])
	}
	order := rand.New(rand.NewPCG(seed, uint64(epoch)<<1|1))
	order.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// epochWindowCount is len(epochWindows(...)) without building it.
func (d *evidenceData) epochWindowCount(negRatio float64) int {
	keep := int(math.Ceil(negRatio * float64(len(d.null))))
	return len(d.answered) + min(max(keep, 0), len(d.null))
}

// golds returns the gold spans of docs, in order.
func golds(docs []evidenceDoc) [][]span.Span {
	out := make([][]span.Span, len(docs))
	for i, d := range docs {
		out[i] = d.golds
	}
	return out
}

// buildEvidence builds the documents of one split from the corpus.
func buildEvidence(c *data.Corpus, split *data.Split, tok *model.Tokenizer, stride int) (*evidenceData, error) {
	d := &evidenceData{}
	var err error
	for _, part := range []struct {
		docs  *[]evidenceDoc
		posts []string
	}{{&d.train, split.Train}, {&d.validation, split.Validation}, {&d.test, split.Test}} {
		if *part.docs, err = evidenceDocs(c, tok, part.posts, stride); err != nil {
			return nil, err
		}
	}
	if len(d.train) == 0 || len(d.validation) == 0 {
		return nil, fmt.Errorf("%d train and %d validation evidence documents; both parts need some", len(d.train), len(d.validation))
	}
	for i, doc := range d.train {
		for k, w := range doc.windows {
			if w.answered() {
				d.answered = append(d.answered, evidenceRef{i, k})
			} else {
				d.null = append(d.null, evidenceRef{i, k})
			}
		}
	}
	return d, nil
}

// evidenceDocs makes one document per (post, criterion) pair of the
// posts' data.BuildEvidence examples (consecutive there): a pair with
// several evidence sentences has several gold spans, a pair annotated only
// with status-0 sentences none. Each post is tokenized alone and split
// into windows of tok.max_length sharing stride tokens
// (model.Tokenizer.EncodeWindows); a gold span is the post's tokens
// covering the sentence (data.TokenSpan).
func evidenceDocs(c *data.Corpus, tok *model.Tokenizer, posts []string, stride int) ([]evidenceDoc, error) {
	exs, _ := data.BuildEvidence(c, posts)
	var docs []evidenceDoc
	for i := 0; i < len(exs); {
		j := i + 1
		for j < len(exs) && exs[j].PostID == exs[i].PostID && exs[j].Label == exs[i].Label {
			j++
		}
		doc, err := evidenceDocOf(tok, exs[i:j], stride)
		if err != nil {
			return nil, fmt.Errorf("evidence %s/%s: %w", exs[i].PostID, exs[i].Label, err)
		}
		docs = append(docs, doc)
		i = j
	}
	return docs, nil
}

// evidenceDocOf builds the document of one pair's examples.
func evidenceDocOf(tok *model.Tokenizer, exs []data.EvidenceExample, stride int) (evidenceDoc, error) {
	first := exs[0]
	ws, err := tok.EncodeWindows(first.Post, first.Criterion, stride)
	if err != nil {
		return evidenceDoc{}, err
	}
	doc := evidenceDoc{postID: first.PostID, label: first.Label}
	inText := make([]bool, len(ws.Text))
	for i := range inText {
		inText[i] = true
	}
	for _, e := range exs {
		if !e.HasAnswer {
			continue
		}
		if s, t, ok := data.TokenSpan(ws.Text, inText, e.Answer); ok && !slices.Contains(doc.golds, span.Span{First: s, Last: t}) {
			doc.golds = append(doc.golds, span.Span{First: s, Last: t})
		}
	}
	slices.SortFunc(doc.golds, func(a, b span.Span) int { return a.First - b.First })
	for _, w := range ws.Windows {
		ew := evidenceWindow{Window: w}
		for _, g := range doc.golds {
			if g.First >= w.Offset && g.Last < w.Offset+w.TextLen {
				ew.start, ew.end = w.TextStart+g.First-w.Offset, w.TextStart+g.Last-w.Offset
				break
			}
		}
		doc.windows = append(doc.windows, ew)
	}
	return doc, nil
}

// evidenceKey identifies a windowing of a study's split.
type evidenceKey struct {
	study, modelDir      string
	maxLength, docStride int
}

// evidenceCache builds each windowing once and keeps the cfg.CacheEntries
// most recently used, as corpusCache does for criteria examples; the
// corpus is read once. Safe for concurrent use.
type evidenceCache struct {
	cfg    Config
	mu     sync.Mutex
	corpus *data.Corpus
	sets   *lru[evidenceKey, *evidenceData]
}

func newEvidenceCache(cfg Config) *evidenceCache {
	return &evidenceCache{cfg: cfg, sets: newLRU[evidenceKey, *evidenceData](cfg.CacheEntries)}
}

// get returns the documents of key, building them on first use. The
// study's split is loaded from (or created in) <OutDir>/<study>/split.json,
// the file the other agents use.
func (c *evidenceCache) get(key evidenceKey) (*evidenceData, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.sets.get(key); ok {
		return d, nil
	}
	split, tok, err := studyInputs(c.cfg, &c.corpus, key.study, key.modelDir, key.maxLength)
	if err != nil {
		return nil, err
	}
	d, err := buildEvidence(c.corpus, split, tok, key.docStride)
	if err != nil {
		return nil, fmt.Errorf("study %s, max_length %d, doc_stride %d: %w", key.study, key.maxLength, key.docStride, err)
	}
	c.sets.put(key, d)
	return d, nil
}
