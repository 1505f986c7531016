// Package torch runs libtorch operations on gotch tensors through the
// project's own C++ glue (glue.cpp, built with `-tags gotch`) instead of
// gotch v0.9.1's generated wrappers, which have two defects that a
// long-running worker cannot live with:
//
//   - Errors travel through thread-local C state. gotch calls the operation
//     in one cgo call and fetches the error (libtorch's exception message,
//     kept in a C++ thread_local) in a second one. A goroutine may move to
//     another OS thread between the two calls, and then the error is missed
//     on the new thread and left behind on the old one. A missed error
//     makes gotch wrap the never-written result slot as a tensor, so the
//     next operation on it dereferences garbage (SIGSEGV in cgo); a
//     left-behind error is reported by whatever unrelated call next runs on
//     that thread — a spurious failure, a log.Fatal from a Must* variant,
//     or a Drop that frees the tensor and still fails, so that gotch's
//     finalizer frees it a second time. docs/tensor-lifetimes.md has the
//     details and the stress test that reproduces it.
//   - Each generated wrapper mallocs a result slot and never frees it.
//
// Here every call returns its error from the call itself, writes its
// result into a Go-owned slot, and keeps its arguments reachable until the
// C call has returned (runtime.KeepAlive), so that no finalizer can free an
// argument in use. Every result is a new tensor owned by the caller, who
// frees it with Drop; its gotch finalizer is removed, so a forgotten Drop is
// a leak that the soak benchmark shows, never a free at an arbitrary time.
// Arguments are never consumed.
//
// For the gotch calls that remain (variable stores, checkpoints, gradients),
// Locked runs a function with the goroutine locked to its OS thread, so
// that gotch's call and its error check see the same thread-local state.
package torch
