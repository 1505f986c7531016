package trainer

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/model"
)

// Config is what a worker gives its trainer. Plain data; see
// DefaultConfig and Validate.
type Config struct {
	// DataDir holds the ReDSM5 posts and annotations CSV files.
	DataDir string
	// OutDir is the study output root: each study's split is saved in
	// <OutDir>/<study>/split.json and reused by all its trials.
	OutDir string
	// Models says where model names are looked up.
	Models model.Locations
	// ProgressEvery is how many training batches pass between progress
	// callbacks (heartbeats).
	ProgressEvery int
	// EvalBatchSize is the validation batch size.
	EvalBatchSize int
	// Threads sets libtorch's intra-op thread count at New (process-wide);
	// 0 leaves libtorch's default.
	Threads int
	// CacheEntries is how many tokenized (study, model, max_length)
	// datasets stay cached.
	CacheEntries int
	// Validation, Split and Negatives configure data loading, the study
	// split and the sampled negative criteria.
	Validation data.Options
	Split      data.SplitConfig
	Negatives  data.CriteriaOptions
}

// DefaultConfig returns the defaults for a corpus and output folder:
// progress every 10 batches, validation batches of 64, 8 cached
// tokenizations, the 70/15/15 seed-42 split and one sampled negative per
// sentence.
func DefaultConfig(dataDir, outDir string) Config {
	return Config{
		DataDir: dataDir, OutDir: outDir, Models: model.LocationsFromEnv(),
		ProgressEvery: 10, EvalBatchSize: 64, CacheEntries: 8,
		Validation: data.DefaultOptions(), Split: data.DefaultSplitConfig(), Negatives: data.DefaultCriteriaOptions(),
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "" || c.OutDir == "":
		return fmt.Errorf("trainer config: DataDir %q and OutDir %q are both required", c.DataDir, c.OutDir)
	case c.ProgressEvery < 1 || c.EvalBatchSize < 1 || c.CacheEntries < 1 || c.Threads < 0:
		return fmt.Errorf("trainer config: ProgressEvery %d, EvalBatchSize %d and CacheEntries %d must be >= 1, Threads %d >= 0",
			c.ProgressEvery, c.EvalBatchSize, c.CacheEntries, c.Threads)
	}
	if err := c.Validation.Validate(); err != nil {
		return fmt.Errorf("trainer config: %w", err)
	}
	if err := c.Split.Validate(); err != nil {
		return fmt.Errorf("trainer config: %w", err)
	}
	return c.Negatives.Validate()
}
