// Package pruners holds the rules that stop unpromising trials early, with
// Optuna's semantics (optuna/pruners, 5.0): median and percentile, asynchronous
// successive halving, Hyperband, the patient wrapper and a no-op. New builds
// one from a Config, the JSON that travels in the study spec; DefaultConfig is
// what the original system used, Hyperband(1, epochs, 3) inside
// PatientPruner(patience 2).
//
// # Contract
//
// A pruner is an hpo.Pruner: the study workflow tells it every epoch report
// (Report, steps from 1, returns the decision) and every trial end (Finish),
// and moves its state across continue-as-new with MarshalBinary and
// UnmarshalBinary. Decisions run in replayed workflow code, so they depend on
// nothing but the calls made so far: no time, no randomness, no map iteration
// order (maps are walked in sorted key order), and no floating-point product
// that a compiler could fuse into a following sum (every such product is
// converted explicitly, which the Go spec says forbids fusion). Report is
// idempotent per (trial, step). A pruner is not safe for concurrent use.
// The same reports give the same decisions as Optuna's pruners; the test
// TestMatchesOptuna checks that against the Python package when it is
// installed. Known differences: Hyperband counts brackets in exact integer
// arithmetic where Optuna's math.log can undercount when max/min is an exact
// power of eta (243/1 with eta 3: Optuna 5 brackets, here 6); min_resource
// and max_resource "auto", bootstrap_count and n_min_trials (fixed at 1) are
// not offered.
//
// # State
//
// The state is a version byte, a CRC-32 fingerprint of the Config and Study
// (a state is never read by a pruner configured differently), the finished
// trial numbers as ranges, each running trial's last step and decision, and
// the rule's tables. Floats are their 8 IEEE-754 bytes, except sorted tables,
// which store varint deltas of order-preserving keys (5 to 7 bytes a value,
// 1 for a repeat). Successive halving and Hyperband keep, per rung (per
// bracket), the sorted values recorded there by any trial, and each running
// trial's completed rung count. Median and percentile keep, per step, the
// sorted values of COMPLETE trials only, and the curves of running trials
// only while they run: exact, since every complete value can still move a
// percentile. The patient wrapper adds, per running trial, its best value
// before the window and the last patience+1 values.
//
// Serialized size after an 8,000-trial study of at most 100 epochs with
// early stopping (patience 20), 4 trials in parallel, on the curve family of
// bench/pruner (make bench-pruner; docs/benchmarks.md, Pruners):
//
//	none                                      10 B
//	median                                21,511 B  (67 trials complete)
//	successive halving                    63,724 B
//	hyperband                             70,588 B
//	patient-hyperband (the default)       69,047 B
//	median that never prunes           3,134,155 B  (all 8,000 complete)
//
// Median's state grows with the number of COMPLETE trials times their
// epochs, about 6 bytes a value: it stays far below the 512 KB payload
// warning while median pruning itself keeps completions rare (as above), but
// a study in which more than roughly 1,300 trials of 65 epochs complete would
// pass it. Successive halving's and Hyperband's states are their rung tables:
// 5 to 7 bytes per value, one value per rung a trial reaches (about 11,000
// values for 8,000 trials, most trials stopping at their first rung),
// whatever the pruning rate.
package pruners
