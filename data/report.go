package data

import (
	"fmt"
	"strings"
)

// ProblemKind names one kind of problem that validation finds in a corpus.
type ProblemKind string

// The problems Load reports. Rows with a problem marked "dropped" are left
// out of the corpus; the others are kept.
const (
	// MalformedRow: a CSV row with the wrong number of fields (dropped).
	MalformedRow ProblemKind = "malformed_row"
	// DuplicatePost: a post_id seen before; the first row is kept.
	DuplicatePost ProblemKind = "duplicate_post"
	// EmptyField: a post without text or an annotation without post_id,
	// sentence_id or sentence_text (dropped).
	EmptyField ProblemKind = "empty_field"
	// UnknownPost: an annotation whose post_id is not in posts.csv (dropped).
	UnknownPost ProblemKind = "unknown_post"
	// UnknownLabel: a DSM5_symptom that is not a label and has no unique
	// near spelling (dropped).
	UnknownLabel ProblemKind = "unknown_label"
	// MisspelledLabel: a DSM5_symptom within Options.MaxLabelEdits of exactly
	// one label; corrected when Options.CorrectLabels, else dropped.
	MisspelledLabel ProblemKind = "misspelled_label"
	// BadStatus: a status other than 0 or 1 (dropped).
	BadStatus ProblemKind = "bad_status"
	// DuplicateAnnotation: a (sentence_id, DSM5_symptom) pair seen before;
	// the first row is kept.
	DuplicateAnnotation ProblemKind = "duplicate_annotation"
	// ApproximateSentence: sentence_text is not verbatim in its post but a
	// passage of the post matches it above Options.MatchThreshold (kept,
	// with that passage as its span).
	ApproximateSentence ProblemKind = "approximate_sentence"
	// SentenceNotFound: sentence_text matches no passage of its post well
	// enough (kept for the criteria dataset, skipped by the evidence one).
	SentenceNotFound ProblemKind = "sentence_not_found"
)

// kindOrder fixes the order in which a report lists its problems.
var kindOrder = []ProblemKind{
	MalformedRow, DuplicatePost, EmptyField, UnknownPost, UnknownLabel,
	MisspelledLabel, BadStatus, DuplicateAnnotation, ApproximateSentence,
	SentenceNotFound,
}

// maxExamples is how many examples a Problem keeps.
const maxExamples = 3

// Problem counts the occurrences of one kind of problem and keeps the first
// few as examples ("annotations.csv line 7: ...").
type Problem struct {
	Kind     ProblemKind
	Count    int
	Examples []string
}

// Report is what validation found while loading a corpus. The zero value is
// an empty report. It is not safe for concurrent mutation.
type Report struct {
	PostRows       int // data rows read from posts.csv
	AnnotationRows int // data rows read from annotations.csv
	Posts          int // posts kept
	Annotations    int // annotations kept
	problems       map[ProblemKind]*Problem
}

// add records one occurrence of kind, keeping it as an example while fewer
// than maxExamples are kept.
func (r *Report) add(kind ProblemKind, format string, args ...any) {
	if r.problems == nil {
		r.problems = make(map[ProblemKind]*Problem)
	}
	p := r.problems[kind]
	if p == nil {
		p = &Problem{Kind: kind}
		r.problems[kind] = p
	}
	p.Count++
	if len(p.Examples) < maxExamples {
		p.Examples = append(p.Examples, fmt.Sprintf(format, args...))
	}
}

// Count returns how many times kind occurred.
func (r *Report) Count(kind ProblemKind) int {
	if p := r.problems[kind]; p != nil {
		return p.Count
	}
	return 0
}

// Problem returns the problem of one kind and whether it occurred.
func (r *Report) Problem(kind ProblemKind) (Problem, bool) {
	p := r.problems[kind]
	if p == nil {
		return Problem{}, false
	}
	return *p, true
}

// Problems returns every problem found, in a fixed order.
func (r *Report) Problems() []Problem {
	var out []Problem
	for _, k := range kindOrder {
		if p := r.problems[k]; p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// Clean reports whether nothing but approximate sentence matches was found.
// Approximate matches are expected in the published corpus and do not make
// it unclean.
func (r *Report) Clean() bool {
	for _, p := range r.Problems() {
		if p.Kind != ApproximateSentence {
			return false
		}
	}
	return true
}

// String renders the report for a log: totals, then one line per problem
// with its count and first example.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "posts %d/%d kept, annotations %d/%d kept",
		r.Posts, r.PostRows, r.Annotations, r.AnnotationRows)
	for _, p := range r.Problems() {
		fmt.Fprintf(&b, "\n  %s: %d (e.g. %s)", p.Kind, p.Count, p.Examples[0])
	}
	return b.String()
}
