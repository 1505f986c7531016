package memory

import (
	"context"
	"fmt"
	"maps"

	"github.com/redsm5/supermax-hpo/ledger"
)

var _ ledger.Details = (*Ledger)(nil)

// TrialRecords implements ledger.Details.
func (l *Ledger) TrialRecords(ctx context.Context, studyID int64) ([]ledger.TrialRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return nil, fmt.Errorf("trial records: %w", err)
	}
	out := make([]ledger.TrialRecord, len(s.trials))
	for i, t := range s.trials {
		attrs := maps.Clone(t.attrs)
		if attrs == nil {
			attrs = map[string]string{}
		}
		out[i] = ledger.TrialRecord{Trial: snapshot(t), Start: t.start.UTC(), Complete: t.ended.UTC(), UserAttrs: attrs}
	}
	return out, nil
}

// SetStudyUserAttr implements ledger.Details.
func (l *Ledger) SetStudyUserAttr(ctx context.Context, studyID int64, key, valueJSON string) error {
	if err := ledger.CheckUserAttr(key, valueJSON); err != nil {
		return fmt.Errorf("set user attribute of study %d: %w", studyID, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return fmt.Errorf("set user attribute %q: %w", key, err)
	}
	if s.attrs == nil {
		s.attrs = map[string]string{}
	}
	s.attrs[key] = valueJSON
	return nil
}

// StudyUserAttrs implements ledger.Details.
func (l *Ledger) StudyUserAttrs(ctx context.Context, studyID int64) (map[string]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return nil, fmt.Errorf("study user attributes: %w", err)
	}
	attrs := maps.Clone(s.attrs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	return attrs, nil
}
