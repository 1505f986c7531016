// Package hpo holds the pure, deterministic parts of a hyperparameter search:
// distributions, search spaces, trials, and the small interfaces that samplers
// and pruners implement. It imports neither Temporal nor libtorch, so every
// decision it makes can be unit-tested, fuzzed, replayed and benchmarked alone.
//
// # Trial lifecycle
//
// A study asks a Sampler for the parameters of trial n. The sampler sees an
// immutable snapshot of the trials observed so far (finished ones and, for the
// constant liar, running ones) and a seed derived from the study seed and n,
// so the same inputs always give the same suggestion, whatever the call order.
// The trial then trains epoch by epoch; after each epoch it reports an
// intermediate value and the study's Pruner decides whether the trial stops.
// A trial ends COMPLETE (its value is its best epoch value), PRUNED, or FAIL;
// finished trials are never modified again.
//
// Internal representation: every parameter value is stored as a float64 in
// its distribution's internal form (the value itself for floats and ints, the
// choice index for categoricals), exactly as Optuna stores it, so a study in
// the ledger can be opened by optuna.load_study. Distribution JSON
// (MarshalDistribution) is written byte for byte as Optuna's
// distribution_to_json writes it; testdata/optuna_golden.json holds Optuna's
// own output for the tests to compare with.
package hpo
