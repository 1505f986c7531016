package data

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
)

// CriteriaExample is one example of the criteria agent: does Sentence show
// the criterion? Target is 1 (yes) or 0 (no).
type CriteriaExample struct {
	PostID     string
	SentenceID string
	Sentence   string
	Label      Label
	Criterion  string // the criterion text the model reads
	Target     int
	// Sampled marks a negative drawn by BuildCriteria rather than
	// annotated.
	Sampled bool
}

// CriteriaOptions say how many unannotated criteria are drawn as negatives.
type CriteriaOptions struct {
	// NegativesPerSentence is how many of the A1–A9 criteria not annotated
	// for a sentence are drawn and added with target 0 (0 adds none); a
	// drawn criterion that another row annotates for the same sentence is
	// dropped, so a sentence annotated for several symptoms may get fewer. ReDSM5 marks
	// each sentence only for the symptoms it was judged against, and most
	// of its rows are positive; without these negatives a classifier could
	// answer "yes" to everything.
	NegativesPerSentence int
	// Seed drives which criteria are drawn; each sentence draws from its
	// own stream (seed, sentence_id), so the draw does not depend on the
	// order of rows or on which posts are in the part.
	Seed uint64
}

// DefaultCriteriaOptions draws one negative per sentence with seed 42.
func DefaultCriteriaOptions() CriteriaOptions {
	return CriteriaOptions{NegativesPerSentence: 1, Seed: 42}
}

// Validate checks the options.
func (o CriteriaOptions) Validate() error {
	if o.NegativesPerSentence < 0 || o.NegativesPerSentence > 8 {
		return fmt.Errorf("NegativesPerSentence %d not in 0..8: %w", o.NegativesPerSentence, ErrBadConfig)
	}
	return nil
}

// BuildCriteria returns the criteria examples of the given posts: every
// kept annotation gives (sentence, its criterion) → status, whether or not
// the sentence was found in its post, plus opt.NegativesPerSentence sampled
// negatives per sentence drawn from the A1–A9 criteria not annotated for it
// (SPECIAL_CASE is never drawn: it is a catch-all, not a criterion a
// sentence can be said not to meet). Examples are ordered by post id,
// sentence id and label. It is deterministic.
func BuildCriteria(c *Corpus, postIDs []string, opt CriteriaOptions) ([]CriteriaExample, error) {
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("build criteria: %w", err)
	}
	want := setOf(postIDs)
	annotated := make(map[string]map[Label]bool)
	var out []CriteriaExample
	for _, a := range c.Annotations {
		if !want[a.PostID] {
			continue
		}
		if annotated[a.SentenceID] == nil {
			annotated[a.SentenceID] = make(map[Label]bool)
			out = append(out, sampledNegatives(a, opt)...)
		}
		annotated[a.SentenceID][a.Label] = true
		out = append(out, criteriaExample(a, a.Label, a.Status, false))
	}
	// Drop sampled negatives that a later row of the same sentence annotates.
	out = slices.DeleteFunc(out, func(e CriteriaExample) bool {
		return e.Sampled && annotated[e.SentenceID][e.Label]
	})
	slices.SortFunc(out, compareCriteria)
	return out, nil
}

// sampledNegatives draws opt.NegativesPerSentence distinct A1–A9 labels
// other than a's for a's sentence. The caller removes any that another row
// of the sentence annotates.
func sampledNegatives(a Annotation, opt CriteriaOptions) []CriteriaExample {
	pool := make([]Label, 0, 9)
	for _, l := range Labels() {
		if l != SpecialCase && l != a.Label {
			pool = append(pool, l)
		}
	}
	h := fnv.New64a()
	h.Write([]byte(a.SentenceID))
	state := opt.Seed ^ h.Sum64()
	var out []CriteriaExample
	for k := 0; k < opt.NegativesPerSentence && len(pool) > 0; k++ {
		i := int(splitmix64(&state) % uint64(len(pool)))
		out = append(out, criteriaExample(a, pool[i], 0, true))
		pool = slices.Delete(pool, i, i+1)
	}
	return out
}

func criteriaExample(a Annotation, l Label, target int, sampled bool) CriteriaExample {
	crit, _ := CriterionOf(l) // l comes from Labels() or a validated row
	return CriteriaExample{
		PostID: a.PostID, SentenceID: a.SentenceID, Sentence: a.Sentence,
		Label: l, Criterion: crit.Text, Target: target, Sampled: sampled,
	}
}

func compareCriteria(x, y CriteriaExample) int {
	return cmp.Or(cmp.Compare(x.PostID, y.PostID), cmp.Compare(x.SentenceID, y.SentenceID),
		cmp.Compare(labelIndex(x.Label), labelIndex(y.Label)))
}

// labelIndex is the label's position in corpus order.
func labelIndex(l Label) int {
	for i, c := range criteria {
		if c.Label == l {
			return i
		}
	}
	return len(criteria)
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// EvidenceExample is one example of the evidence agent: where in Post is
// the evidence for the criterion? Answer is the annotated sentence's span
// (byte offsets into Post) when HasAnswer.
type EvidenceExample struct {
	PostID     string
	Post       string
	Label      Label
	Criterion  string
	HasAnswer  bool
	Answer     Span
	SentenceID string // the answer's sentence, "" without an answer
}

// BuildEvidence returns the evidence examples of the given posts. Each
// positive annotation (status 1) whose sentence was located gives one
// example whose answer is that sentence; a (post, label) pair annotated
// only with status 0 gives one example without an answer. Positive
// sentences that were not located are skipped and counted in skipped.
// Examples are ordered by post id, label, answer start and sentence id. It is
// deterministic.
func BuildEvidence(c *Corpus, postIDs []string) (examples []EvidenceExample, skipped int) {
	want := setOf(postIDs)
	type pair struct {
		post  string
		label Label
	}
	positive := make(map[pair]bool)
	negative := make(map[pair]bool)
	for _, a := range c.Annotations {
		if !want[a.PostID] {
			continue
		}
		p := pair{a.PostID, a.Label}
		switch {
		case a.Status == 0:
			negative[p] = true
		case a.Match == MatchNone:
			positive[p] = true
			skipped++
		default:
			positive[p] = true
			examples = append(examples, evidenceExample(c, a.PostID, a.Label, &a))
		}
	}
	for p := range negative {
		if !positive[p] {
			examples = append(examples, evidenceExample(c, p.post, p.label, nil))
		}
	}
	slices.SortFunc(examples, func(x, y EvidenceExample) int {
		return cmp.Or(cmp.Compare(x.PostID, y.PostID), cmp.Compare(labelIndex(x.Label), labelIndex(y.Label)),
			cmp.Compare(x.Answer.Start, y.Answer.Start), cmp.Compare(x.SentenceID, y.SentenceID))
	})
	return examples, skipped
}

// evidenceExample builds an example, with a's span as answer when a is set.
func evidenceExample(c *Corpus, postID string, l Label, a *Annotation) EvidenceExample {
	post, _ := c.Post(postID)
	crit, _ := CriterionOf(l)
	e := EvidenceExample{PostID: postID, Post: post.Text, Label: l, Criterion: crit.Text}
	if a != nil {
		e.HasAnswer, e.Answer, e.SentenceID = true, a.Span, a.SentenceID
	}
	return e
}
