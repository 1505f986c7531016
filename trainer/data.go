package trainer

import (
	"fmt"
	"slices"
	"sync"

	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/model"
)

// example is one tokenized criteria example.
type example struct {
	enc    model.Encoded
	target int
}

// dataset is the tokenized parts of one study's split for one (model
// folder, max_length). Read-only once built.
type dataset struct {
	train, validation, test []example
	counts                  []int // train examples per class
}

// datasetKey identifies a tokenization: one per study split, model folder
// and max_length.
type datasetKey struct {
	study, modelDir string
	maxLength       int
}

// corpusCache loads the corpus once and tokenizes each (study, model,
// max_length) once, keeping the cfg.CacheEntries most recently used
// tokenizations (a study samples many max_length values; each tokenization
// of the full corpus is tens of MB). Safe for concurrent use.
type corpusCache struct {
	cfg      Config
	mu       sync.Mutex
	corpus   *data.Corpus
	datasets map[datasetKey]*dataset
	recent   []datasetKey // least recently used first
}

func newCorpusCache(cfg Config) *corpusCache {
	return &corpusCache{cfg: cfg, datasets: make(map[datasetKey]*dataset)}
}

// touch marks key as the most recently used and evicts the least recently
// used entries beyond the capacity.
func (c *corpusCache) touch(key datasetKey) {
	c.recent = slices.DeleteFunc(c.recent, func(k datasetKey) bool { return k == key })
	c.recent = append(c.recent, key)
	for len(c.recent) > c.cfg.CacheEntries {
		delete(c.datasets, c.recent[0])
		c.recent = c.recent[1:]
	}
}

// get returns the tokenized dataset of key, building it on first use. The
// study's split is loaded from (or created in) <OutDir>/<study>/split.json.
func (c *corpusCache) get(key datasetKey) (*dataset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.datasets[key]; ok {
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
	d := &dataset{counts: make([]int, 2)}
	if d.train, err = c.tokenize(tok, split.Train); err != nil {
		return nil, err
	}
	if d.validation, err = c.tokenize(tok, split.Validation); err != nil {
		return nil, err
	}
	if d.test, err = c.tokenize(tok, split.Test); err != nil {
		return nil, err
	}
	if len(d.train) == 0 || len(d.validation) == 0 {
		return nil, fmt.Errorf("study %s: %d train and %d validation examples; both parts need some", key.study, len(d.train), len(d.validation))
	}
	for _, e := range d.train {
		d.counts[e.target]++
	}
	c.datasets[key] = d
	c.touch(key)
	return d, nil
}

// tokenize builds and encodes the criteria examples of the given posts as
// (sentence, criterion text) pairs.
func (c *corpusCache) tokenize(tok *model.Tokenizer, posts []string) ([]example, error) {
	exs, err := data.BuildCriteria(c.corpus, posts, c.cfg.Negatives)
	if err != nil {
		return nil, err
	}
	out := make([]example, len(exs))
	for i, e := range exs {
		enc, err := tok.Encode(e.Sentence, e.Criterion)
		if err != nil {
			return nil, fmt.Errorf("tokenize %s/%s: %w", e.SentenceID, e.Label, err)
		}
		out[i] = example{enc: enc, target: e.Target}
	}
	return out, nil
}
