package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildCriteria(t *testing.T) {
	c := loadFixture(t)
	ex, err := BuildCriteria(c, c.PostIDs(), DefaultCriteriaOptions())
	if err != nil {
		t.Fatal(err)
	}
	annotated, sampled := 0, 0
	labels := map[string]map[Label]int{}
	for _, e := range ex {
		if labels[e.SentenceID] == nil {
			labels[e.SentenceID] = map[Label]int{}
		}
		labels[e.SentenceID][e.Label]++
		if e.Sampled {
			sampled++
			if e.Target != 0 || e.Label == SpecialCase {
				t.Errorf("sampled negative %+v", e)
			}
		} else {
			annotated++
		}
		crit, _ := CriterionOf(e.Label)
		if e.Criterion != crit.Text {
			t.Errorf("%s: criterion text of the wrong label", e.SentenceID)
		}
	}
	if annotated != len(c.Annotations) {
		t.Errorf("%d annotated examples, want %d", annotated, len(c.Annotations))
	}
	if sampled != len(labels) {
		t.Errorf("%d sampled negatives for %d sentences, want one each", sampled, len(labels))
	}
	for id, m := range labels {
		for l, n := range m {
			if n > 1 {
				t.Errorf("%s has %d examples for %s", id, n, l)
			}
		}
	}
	none, _ := BuildCriteria(c, c.PostIDs(), CriteriaOptions{NegativesPerSentence: 0})
	if len(none) != len(c.Annotations) {
		t.Errorf("no negatives: %d examples, want %d", len(none), len(c.Annotations))
	}
}

// TestDatasetsIndependentOfRowOrder reverses the rows of both CSV files and
// checks that the datasets come out identical.
func TestDatasetsIndependentOfRowOrder(t *testing.T) {
	c := loadFixture(t)
	dir := t.TempDir()
	for _, name := range []string{"posts.csv", "annotations.csv"} {
		reverseDataRows(t, filepath.Join(fixtureDir, name), filepath.Join(dir, name))
	}
	r, _, err := Load(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := BuildCriteria(c, c.PostIDs(), DefaultCriteriaOptions())
	b, _ := BuildCriteria(r, r.PostIDs(), DefaultCriteriaOptions())
	if !slices.Equal(a, b) {
		t.Error("criteria examples depend on row order")
	}
	ea, _ := BuildEvidence(c, c.PostIDs())
	eb, _ := BuildEvidence(r, r.PostIDs())
	if !slices.Equal(ea, eb) {
		t.Error("evidence examples depend on row order")
	}
}

// reverseDataRows copies a CSV file with its data rows in reverse order.
// The fixture has no newline inside a field, so lines are rows.
func reverseDataRows(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	slices.Reverse(lines[1:])
	if err := os.WriteFile(to, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDatasetsFollowTheSplit(t *testing.T) {
	c := loadFixture(t)
	s, err := NewSplit(c.PostIDs(), DefaultSplitConfig())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, part := range [][]string{s.Train, s.Validation, s.Test} {
		ex, _ := BuildCriteria(c, part, DefaultCriteriaOptions())
		for _, e := range ex {
			if !slices.Contains(part, e.PostID) {
				t.Fatalf("example of post %s outside its part", e.PostID)
			}
		}
		total += len(ex)
	}
	all, _ := BuildCriteria(c, c.PostIDs(), DefaultCriteriaOptions())
	if total != len(all) {
		t.Errorf("parts hold %d examples, the whole corpus %d", total, len(all))
	}
}

func TestBuildEvidence(t *testing.T) {
	c := loadFixture(t)
	ex, skipped := BuildEvidence(c, c.PostIDs())
	if skipped != 0 {
		t.Errorf("skipped %d on the fixture", skipped)
	}
	answers, empty := 0, 0
	for _, e := range ex {
		if !e.HasAnswer {
			empty++
			continue
		}
		answers++
		a := annotationOf(c, e.SentenceID, e.Label)
		if got := e.Post[e.Answer.Start:e.Answer.End]; a.Match == MatchExact && got != a.Sentence {
			t.Errorf("%s: answer %q, want %q", e.SentenceID, got, a.Sentence)
		}
	}
	positives := 0
	for _, a := range c.Annotations {
		positives += a.Status
	}
	if answers != positives || empty == 0 {
		t.Errorf("%d answers (want %d), %d without answer", answers, positives, empty)
	}
}

func TestBuildEvidenceSkipsUnlocated(t *testing.T) {
	dir := writeCorpus(t, goodPosts, annHeader+
		"p2,p2_5,My cat likes tuna sandwiches on Sundays.,APPETITE_CHANGE,1,x\n"+
		"p1,p1_1,I feel sad.,FATIGUE,0,x\n")
	c, _, err := Load(dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ex, skipped := BuildEvidence(c, c.PostIDs())
	if skipped != 1 || len(ex) != 1 || ex[0].HasAnswer || ex[0].Label != Fatigue {
		t.Errorf("examples %+v, skipped %d", ex, skipped)
	}
}

func annotationOf(c *Corpus, sentenceID string, l Label) Annotation {
	for _, a := range c.Annotations {
		if a.SentenceID == sentenceID && a.Label == l {
			return a
		}
	}
	return Annotation{}
}
