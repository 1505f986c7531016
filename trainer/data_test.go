package trainer

import (
	"slices"
	"testing"
)

// TestCacheEvictsLeastRecentlyUsed fills the cache's bookkeeping directly:
// building real entries needs a tokenizer, which the gotch tests cover.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	cfg := DefaultConfig("corpus", "out")
	cfg.CacheEntries = 2
	c := newCorpusCache(cfg)
	keys := []datasetKey{{"s", "m", 128}, {"s", "m", 160}, {"s", "m", 192}}
	for _, k := range keys[:2] {
		c.datasets.put(k, &dataset{})
	}
	c.datasets.get(keys[0]) // keys[1] is now the least recently used
	c.datasets.put(keys[2], &dataset{})
	if _, ok := c.datasets.entries[keys[1]]; ok || len(c.datasets.entries) != 2 {
		t.Errorf("cache holds %v", c.datasets.entries)
	}
	if !slices.Equal(c.datasets.recent, []datasetKey{keys[0], keys[2]}) {
		t.Errorf("recency %v", c.datasets.recent)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig("corpus", "out").Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mutate := range []func(*Config){
		func(c *Config) { c.DataDir = "" },
		func(c *Config) { c.CacheEntries = 0 },
		func(c *Config) { c.ProgressEvery = 0 },
		func(c *Config) { c.Threads = -1 },
		func(c *Config) { c.Split.Train = 0.9 },
	} {
		c := DefaultConfig("corpus", "out")
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
