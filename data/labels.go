package data

import (
	"fmt"
	"strings"
)

// Label is a ReDSM5 symptom label, the DSM5_symptom column of annotations.csv.
type Label string

// The ten labels of the ReDSM5 corpus. The first nine map to the DSM-5
// criteria A1–A9 of a major depressive episode; SPECIAL_CASE marks sentences
// the annotators judged clinically relevant but outside A1–A9.
const (
	DepressedMood    Label = "DEPRESSED_MOOD"
	Anhedonia        Label = "ANHEDONIA"
	AppetiteChange   Label = "APPETITE_CHANGE"
	SleepIssues      Label = "SLEEP_ISSUES"
	Psychomotor      Label = "PSYCHOMOTOR"
	Fatigue          Label = "FATIGUE"
	Worthlessness    Label = "WORTHLESSNESS"
	CognitiveIssues  Label = "COGNITIVE_ISSUES"
	SuicidalThoughts Label = "SUICIDAL_THOUGHTS"
	SpecialCase      Label = "SPECIAL_CASE"
)

// Criterion is the text a model reads beside a sentence or post: one DSM-5
// criterion written in the project's own words.
type Criterion struct {
	Label Label
	// ID is "A1".."A9", or "SC" for SPECIAL_CASE, which has no DSM-5 number.
	ID   string
	Text string
}

// criteria lists every label in corpus order with its criterion text. The
// texts paraphrase the nine DSM-5 criteria of a major depressive episode in
// our own words. SPECIAL_CASE gets a text of its own (signs of a depressive
// episode that fit none of A1–A9) so that its annotated rows can be used as
// examples too; it is never drawn as a sampled negative (see CriteriaOptions).
var criteria = [...]Criterion{
	{DepressedMood, "A1", "The person feels low, sad, empty or hopeless, or seems tearful or irritable, for most of the day on most days."},
	{Anhedonia, "A2", "The person has lost interest in, or no longer enjoys, all or almost all of the activities they used to care about."},
	{AppetiteChange, "A3", "The person's appetite or weight has changed noticeably: eating much less or much more, or losing or gaining weight without trying."},
	{SleepIssues, "A4", "The person sleeps far too little or far too much nearly every day: trouble falling or staying asleep, or sleeping most of the day."},
	{Psychomotor, "A5", "The person's movement or speech is visibly slowed down, or they are restless and agitated in a way others can notice."},
	{Fatigue, "A6", "The person feels tired or drained of energy nearly every day, so that even small tasks take great effort."},
	{Worthlessness, "A7", "The person feels worthless, or blames themselves with excessive or unjustified guilt."},
	{CognitiveIssues, "A8", "The person finds it hard to think, concentrate, remember or make decisions nearly every day."},
	{SuicidalThoughts, "A9", "The person thinks repeatedly about death or about ending their life, has a plan, or has tried to."},
	{SpecialCase, "SC", "The person shows a sign of a depressive episode that fits none of the nine symptom criteria above."},
}

// Labels returns the ten labels in corpus order. It returns a fresh slice.
func Labels() []Label {
	out := make([]Label, len(criteria))
	for i, c := range criteria {
		out[i] = c.Label
	}
	return out
}

// CriterionOf returns the criterion of a label, or ErrUnknownLabel.
func CriterionOf(l Label) (Criterion, error) {
	for _, c := range criteria {
		if c.Label == l {
			return c, nil
		}
	}
	return Criterion{}, fmt.Errorf("criterion of %q: %w", l, ErrUnknownLabel)
}

// ParseLabel maps a DSM5_symptom cell to its Label, ignoring surrounding
// spaces. An unknown value yields ErrUnknownLabel and, in suggestion, the
// nearest known label by edit distance when it is unambiguous and within
// maxEdits edits (empty otherwise): "LEEP_ISSUES" suggests SLEEP_ISSUES.
// It is deterministic.
func ParseLabel(s string, maxEdits int) (l Label, suggestion Label, err error) {
	s = strings.TrimSpace(s)
	for _, c := range criteria {
		if string(c.Label) == s {
			return c.Label, "", nil
		}
	}
	return "", nearestLabel(strings.ToUpper(s), maxEdits), fmt.Errorf("label %q: %w", s, ErrUnknownLabel)
}

// nearestLabel returns the unique label closest to s within maxEdits, or "".
func nearestLabel(s string, maxEdits int) Label {
	best, bestD, ties := Label(""), maxEdits+1, 0
	for _, c := range criteria {
		d := editDistance([]rune(s), []rune(string(c.Label)))
		switch {
		case d < bestD:
			best, bestD, ties = c.Label, d, 1
		case d == bestD:
			ties++
		}
	}
	if ties != 1 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance[T comparable](a, b []T) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
