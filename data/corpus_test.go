package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtureDir = "testdata/redsm5-fixture"

func loadFixture(t *testing.T) *Corpus {
	t.Helper()
	c, rep, err := Load(fixtureDir, DefaultOptions())
	if err != nil {
		t.Fatalf("Load fixture: %v", err)
	}
	if !rep.Clean() {
		t.Fatalf("fixture report not clean:\n%s", rep)
	}
	return c
}

func TestLoadFixture(t *testing.T) {
	c, rep, err := Load(fixtureDir, Options{MaxLabelEdits: 2, MatchThreshold: 0.4, Strict: true})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Posts) != 60 || len(c.Annotations) != 116 {
		t.Fatalf("%d posts, %d annotations; want 60, 116", len(c.Posts), len(c.Annotations))
	}
	if rep.PostRows != 60 || rep.AnnotationRows != 116 || rep.Posts != 60 || rep.Annotations != 116 {
		t.Errorf("report totals %+v", rep)
	}
	p, ok := rep.Problem(ApproximateSentence)
	if !ok || p.Count != 1 || !strings.Contains(p.Examples[0], "fx_007_3") {
		t.Fatalf("want exactly the deliberate approximate sentence fx_007_3, got %+v", p)
	}
	for _, a := range c.Annotations {
		post, _ := c.Post(a.PostID)
		under := post.Text[a.Span.Start:a.Span.End]
		switch {
		case a.SentenceID == "fx_007_3":
			if a.Match != MatchApproximate || under != "I keep thinking about killing myself." {
				t.Errorf("fx_007_3 matched %v to %q", a.Match, under)
			}
		case a.Match != MatchExact || under != a.Sentence:
			t.Errorf("%s matched %v to %q, want exact %q", a.SentenceID, a.Match, under, a.Sentence)
		}
	}
}

// writeCorpus writes posts.csv and annotations.csv into a fresh folder.
func writeCorpus(t *testing.T, posts, annotations string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"posts.csv": posts, "annotations.csv": annotations} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	goodPosts = "post_id,text\np1,I can't sleep at night. I feel sad.\np2,\"I eat, and eat. Nothing helps.\"\n"
	annHeader = "post_id,sentence_id,sentence_text,DSM5_symptom,status,explanation\n"
)

func TestLoadReportsProblems(t *testing.T) {
	tests := []struct {
		name        string
		posts, anns string
		kind        ProblemKind
		count       int
		example     string // substring of the first example
		kept        int    // annotations kept
	}{
		{"duplicate post", goodPosts + "p1,other text\np2,again\n", annHeader, DuplicatePost, 2, `post "p1" already on line 2`, 0},
		{"unknown post", goodPosts, annHeader + "p9,p9_0,I feel sad.,DEPRESSED_MOOD,1,x\np8,p8_0,x,FATIGUE,1,x\n", UnknownPost, 2, `post "p9" is not in the posts file`, 0},
		{"misspelled label", goodPosts, annHeader + "p1,p1_0,I can't sleep at night.,LEEP_ISSUES,1,x\n", MisspelledLabel, 1, "did you mean SLEEP_ISSUES?", 0},
		{"unknown label", goodPosts, annHeader + "p1,p1_1,I feel sad.,HAPPY,1,x\np1,p1_0,I can't sleep at night.,SLEEP_ISSUES,1,x\n", UnknownLabel, 1, `"HAPPY" is not a label`, 1},
		{"bad status", goodPosts, annHeader + "p1,p1_1,I feel sad.,DEPRESSED_MOOD,yes,x\n", BadStatus, 1, `status "yes"`, 0},
		{"duplicate annotation", goodPosts, annHeader + "p1,p1_1,I feel sad.,DEPRESSED_MOOD,1,x\np1,p1_1,I feel sad.,DEPRESSED_MOOD,0,y\n", DuplicateAnnotation, 1, "(p1_1, DEPRESSED_MOOD) already on line 2", 1},
		{"sentence not found", goodPosts, annHeader + "p2,p2_5,My cat likes tuna sandwiches on Sundays.,APPETITE_CHANGE,1,x\n", SentenceNotFound, 1, "p2_5", 1},
		{"malformed row", goodPosts, annHeader + "p1,p1_1,I feel sad.\n", MalformedRow, 1, "3 fields, header has 6", 0},
		{"empty field", goodPosts + "p3,\n", annHeader + "p1,,I feel sad.,DEPRESSED_MOOD,1,x\n", EmptyField, 2, `post "p3" has an empty post_id or text`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, rep, err := Load(writeCorpus(t, tc.posts, tc.anns), DefaultOptions())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			p, ok := rep.Problem(tc.kind)
			if !ok || p.Count != tc.count || !strings.Contains(p.Examples[0], tc.example) {
				t.Fatalf("%s: got %+v, want count %d with example containing %q\nreport: %s", tc.kind, p, tc.count, tc.example, rep)
			}
			if len(c.Annotations) != tc.kept || rep.Clean() {
				t.Errorf("kept %d annotations (want %d), clean=%v", len(c.Annotations), tc.kept, rep.Clean())
			}
			if !strings.Contains(rep.String(), string(tc.kind)+": ") {
				t.Errorf("String() lacks %s: %s", tc.kind, rep)
			}
		})
	}
}

func TestLoadCorrectsLabelsWhenAsked(t *testing.T) {
	dir := writeCorpus(t, goodPosts, annHeader+"p1,p1_0,I can't sleep at night.,LEEP_ISSUES,1,x\n")
	opt := DefaultOptions()
	opt.CorrectLabels = true
	c, rep, err := Load(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Annotations) != 1 || c.Annotations[0].Label != SleepIssues || rep.Count(MisspelledLabel) != 1 {
		t.Errorf("annotations %+v, report %s", c.Annotations, rep)
	}
}

func TestLoadMissingColumns(t *testing.T) {
	dir := writeCorpus(t, "post_id,body\np1,x\n", annHeader)
	_, _, err := Load(dir, DefaultOptions())
	if !errors.Is(err, ErrMissingColumns) || !strings.Contains(err.Error(), "posts.csv: 1 missing columns (text)") {
		t.Fatalf("err = %v", err)
	}
	dir = writeCorpus(t, goodPosts, "post_id,sentence_text,status\n")
	_, _, err = Load(dir, DefaultOptions())
	if !errors.Is(err, ErrMissingColumns) || !strings.Contains(err.Error(), "3 missing columns (sentence_id, DSM5_symptom, explanation)") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadStrictAndOptions(t *testing.T) {
	dir := writeCorpus(t, goodPosts+"p1,dup\n", annHeader)
	opt := DefaultOptions()
	opt.Strict = true
	if _, rep, err := Load(dir, opt); !errors.Is(err, ErrInvalidCorpus) || rep.Count(DuplicatePost) != 1 {
		t.Errorf("strict load: err %v", err)
	}
	if _, _, err := Load(dir, Options{MatchThreshold: 0}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("threshold 0: err %v", err)
	}
	if _, _, err := Load(t.TempDir(), DefaultOptions()); !errors.Is(err, ErrNoFile) {
		t.Errorf("empty folder: err %v", err)
	}
}
