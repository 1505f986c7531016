package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/workflows"
)

// call is one TrainEpoch execution as the trainer saw it.
type call struct {
	trial, epoch int
	device       string
	start, end   time.Time
}

// recorder wraps a trainer and records every successful call. Safe for
// concurrent use.
type recorder struct {
	mu  sync.Mutex
	log []call
}

func (r *recorder) wrap(t activities.Trainer) activities.Trainer {
	return activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
		start := time.Now()
		res, err := t.TrainEpoch(ctx, req)
		if err == nil {
			r.mu.Lock()
			r.log = append(r.log, call{trial: req.Number, epoch: req.Epoch, device: req.Device, start: start, end: time.Now()})
			r.mu.Unlock()
		}
		return res, err
	})
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

func (r *recorder) calls() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.log...)
}

// gaps returns the gaps between consecutive calls grouped by key, ordered
// by start time within each group.
func gaps(calls []call, key func(call) string) []time.Duration {
	groups := map[string][]call{}
	for _, c := range calls {
		groups[key(c)] = append(groups[key(c)], c)
	}
	var out []time.Duration
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool { return g[i].start.Before(g[j].start) })
		for i := 1; i < len(g); i++ {
			out = append(out, g[i].start.Sub(g[i-1].end))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// histStats describes the study's runs.
type histStats struct {
	runs                int
	maxEvents, maxBytes int
	maxEventBytes       int
	maxEventType        string
	// suggest holds the latency of every suggestion activity the study
	// ran, from scheduled to completed (sorted).
	suggest []time.Duration
}

// studyHistories follows the continue-as-new chain from firstRun.
func studyHistories(ctx context.Context, cl client.Client, id, firstRun string) (histStats, error) {
	var s histStats
	for runID := firstRun; runID != ""; {
		it := cl.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		events, bytes, next := 0, 0, ""
		scheduled := map[int64]time.Time{}
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return s, fmt.Errorf("history of %s/%s: %w", id, runID, err)
			}
			size := proto.Size(ev)
			events, bytes = events+1, bytes+size
			if size > s.maxEventBytes {
				s.maxEventBytes, s.maxEventType = size, ev.GetEventType().String()
			}
			if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && isSuggest(a.GetActivityType().GetName()) {
				scheduled[ev.GetEventId()] = ev.GetEventTime().AsTime()
			}
			if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
				if t0, ok := scheduled[a.GetScheduledEventId()]; ok {
					s.suggest = append(s.suggest, ev.GetEventTime().AsTime().Sub(t0))
				}
			}
		}
		s.runs++
		s.maxEvents, s.maxBytes = max(s.maxEvents, events), max(s.maxBytes, bytes)
		runID = next
	}
	sort.Slice(s.suggest, func(i, j int) bool { return s.suggest[i] < s.suggest[j] })
	return s, nil
}

// isSuggest reports whether an activity type is the study's suggestion
// activity: SuggestTrial (one trial per call) or SuggestTrials (a batch,
// in runs that took the study-batch-suggest version).
func isSuggest(activityType string) bool {
	return activityType == "SuggestTrial" || activityType == "SuggestTrials"
}

// memory is the process's resident set and Go heap.
type memory struct{ rssKB, heapKB uint64 }

func readMemory() memory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memory{heapKB: ms.HeapAlloc / 1024}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				m.rssKB, _ = strconv.ParseUint(f[1], 10, 64)
			}
		}
	}
	return m
}

func report(w io.Writer, cfg config, study string, res workflows.StudyResult, wall time.Duration, calls []call,
	h histStats, m0, m1 memory) {
	ideal := time.Duration(cfg.trials*cfg.epochs) * cfg.epoch / time.Duration(cfg.parallel)
	fmt.Fprintf(w, "study %s: %d trials x %d epochs x %v at P=%d, K=%d\n", study, cfg.trials, cfg.epochs, cfg.epoch, cfg.parallel, cfg.perRun)
	fmt.Fprintf(w, "result: %s, complete %d, pruned %d, failed %d; %d epochs trained\n",
		res.State, res.Counts.Complete, res.Counts.Pruned, res.Counts.Fail, len(calls))
	fmt.Fprintf(w, "wall %.1fs, ideal %.1fs, slot efficiency N*E*d/(P*wall) = %.1f%%\n",
		wall.Seconds(), ideal.Seconds(), 100*ideal.Seconds()/wall.Seconds())
	if cfg.epochs > 1 {
		g := gaps(calls, func(c call) string { return strconv.Itoa(c.trial) })
		fmt.Fprintf(w, "epoch gap within a trial (end of epoch e -> start of e+1): p50 %v, p99 %v (%d gaps)\n",
			percentile(g, 50).Round(time.Millisecond), percentile(g, 99).Round(time.Millisecond), len(g))
	}
	g := gaps(calls, func(c call) string { return c.device })
	fmt.Fprintf(w, "slot gap (end of an epoch on a slot -> start of the next one there): p50 %v, p99 %v (%d gaps)\n",
		percentile(g, 50).Round(time.Millisecond), percentile(g, 99).Round(time.Millisecond), len(g))
	if len(h.suggest) == 0 {
		fmt.Fprintln(w, "study's suggestion activities: none scheduled (suggestions ran as local activities, not timed here)")
	} else {
		fmt.Fprintf(w, "study's suggestion activities (scheduled -> completed, one at a time): p50 %v, p99 %v (%d calls)\n",
			percentile(h.suggest, 50).Round(time.Millisecond), percentile(h.suggest, 99).Round(time.Millisecond), len(h.suggest))
	}
	fmt.Fprintf(w, "study runs %d; largest run history %d events, %d bytes; largest event %d bytes (%s)\n",
		h.runs, h.maxEvents, h.maxBytes, h.maxEventBytes, h.maxEventType)
	fmt.Fprintf(w, "bench process (worker + client) memory: start RSS %d MiB heap %d MiB; end RSS %d MiB heap %d MiB\n",
		m0.rssKB/1024, m0.heapKB/1024, m1.rssKB/1024, m1.heapKB/1024)
}
