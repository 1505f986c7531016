package trainer

import (
	"fmt"
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
	datasets *lru[datasetKey, *dataset]
}

func newCorpusCache(cfg Config) *corpusCache {
	return &corpusCache{cfg: cfg, datasets: newLRU[datasetKey, *dataset](cfg.CacheEntries)}
}

// studyInputs loads the corpus into *corpus on first use (one load per
// cache), the study's split from (or created in)
// <OutDir>/<study>/split.json, and the tokenizer of modelDir at
// maxLength: what every agent's tokenized data is built from.
func studyInputs(cfg Config, corpus **data.Corpus, study, modelDir string, maxLength int) (*data.Split, *model.Tokenizer, error) {
	if *corpus == nil {
		c, _, err := data.Load(cfg.DataDir, cfg.Validation)
		if err != nil {
			return nil, nil, fmt.Errorf("load corpus %s: %w", cfg.DataDir, err)
		}
		*corpus = c
	}
	split, err := data.LoadOrCreateSplit(data.SplitPath(cfg.OutDir, study), (*corpus).PostIDs(), cfg.Split)
	if err != nil {
		return nil, nil, fmt.Errorf("study %s: %w", study, err)
	}
	tok, err := model.NewTokenizer(modelDir, maxLength)
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer of %s: %w", modelDir, err)
	}
	return split, tok, nil
}

// get returns the tokenized dataset of key, building it on first use. The
// study's split is loaded from (or created in) <OutDir>/<study>/split.json.
func (c *corpusCache) get(key datasetKey) (*dataset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.datasets.get(key); ok {
		return d, nil
	}
	split, tok, err := studyInputs(c.cfg, &c.corpus, key.study, key.modelDir, key.maxLength)
	if err != nil {
		return nil, err
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
	c.datasets.put(key, d)
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
