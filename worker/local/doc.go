// Package local runs a study's machinery on one machine for `starter
// tune-supermax`: the Temporal dev server (the cached Temporal CLI, with its
// SQLite database under the outdir) and one worker process per local device,
// all started as background processes that outlive the starter, so that
// Ctrl-C in the starter only detaches and the study keeps running.
//
// What it started is written to <outdir>/.supermax/local.json; a later run
// on the same outdir finds those processes again (by PID and command line)
// instead of starting second copies, and Shutdown stops them. A file lock
// (<outdir>/.supermax/lock) keeps two starters on one outdir from racing.
// Nothing here is used by workflows or activities.
package local
