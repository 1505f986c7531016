//go:build gotch

// Two libtorch calls that gotch v0.9.1 does not expose to Go: seeding the
// default CPU generator (dropout masks, random initialization) and the
// intra-op thread count.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <stdint.h>

extern "C" {

void supermax_manual_seed(uint64_t seed) { at::manual_seed(seed); }

void supermax_set_num_threads(int n) { at::set_num_threads(n); }

int supermax_get_num_threads() { return at::get_num_threads(); }

}
