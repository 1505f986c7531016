package data

import "errors"

// Sentinel errors of package data; test for them with errors.Is.
var (
	// ErrMissingColumns: a CSV file lacks required columns. Loading stops.
	ErrMissingColumns = errors.New("missing columns")
	// ErrUnknownLabel: a DSM5_symptom value is not one of the ten labels.
	ErrUnknownLabel = errors.New("unknown label")
	// ErrNoFile: a corpus folder lacks posts or annotations CSV.
	ErrNoFile = errors.New("corpus file not found")
	// ErrInvalidCorpus: validation found problems and the options ask for a
	// clean corpus (Options.Strict).
	ErrInvalidCorpus = errors.New("invalid corpus")
	// ErrSplitMismatch: a saved split does not match the corpus's post ids
	// or the split configuration it was made with.
	ErrSplitMismatch = errors.New("split does not match the corpus")
	// ErrBadConfig: an options or config struct failed Validate.
	ErrBadConfig = errors.New("bad config")
)
