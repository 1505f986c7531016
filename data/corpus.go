// Package data loads the ReDSM5 corpus (posts.csv and annotations.csv in the
// published format), validates it, splits it by post for a study, and builds
// the criteria and evidence datasets the agents train on. It is pure Go and
// deterministic: the same files and options always give the same corpus,
// report, split and datasets, whatever the order of the rows.
package data

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Post is one Reddit post of the corpus.
type Post struct {
	ID   string
	Text string
}

// Annotation is one row of annotations.csv: a sentence of a post judged
// against one symptom. (SentenceID, Label) is its key.
type Annotation struct {
	PostID      string
	SentenceID  string
	Sentence    string // sentence_text as annotated
	Label       Label
	Status      int // 1: the sentence shows the symptom; 0: considered and rejected
	Explanation string
	// Span is where the sentence lies in its post's text (byte offsets);
	// meaningful unless Match is MatchNone.
	Span  Span
	Match MatchKind
	Score float64 // similarity of the matched passage, 1 when exact
}

// Corpus is a loaded, validated corpus. Posts keep the order of posts.csv
// and annotations that of annotations.csv; neither is modified after Load.
type Corpus struct {
	Posts       []Post
	Annotations []Annotation
	byID        map[string]int
}

// Post returns the post with the given id.
func (c *Corpus) Post(id string) (Post, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Post{}, false
	}
	return c.Posts[i], true
}

// PostIDs returns the ids of all posts in file order, in a fresh slice.
func (c *Corpus) PostIDs() []string {
	ids := make([]string, len(c.Posts))
	for i, p := range c.Posts {
		ids[i] = p.ID
	}
	return ids
}

// Options tune validation. Build them with DefaultOptions.
type Options struct {
	// MaxLabelEdits is the largest edit distance at which an unknown label
	// is reported as a misspelling of its nearest label.
	MaxLabelEdits int
	// CorrectLabels replaces a misspelled label by its unique nearest label
	// (still reported) instead of dropping the row.
	CorrectLabels bool
	// MatchThreshold is the least similarity (0..1) at which a sentence not
	// found verbatim is matched to a passage of its post.
	MatchThreshold float64
	// Strict makes Load fail with ErrInvalidCorpus when the report is not
	// Clean.
	Strict bool
}

// DefaultOptions returns the options used by the trainer: misspellings
// within 2 edits are reported but not corrected, approximate matches need a
// similarity of 0.4 (on the public sample, true paraphrases score 0.41–0.74
// and wrong passages at most 0.34), and problems are reported rather than fatal.
func DefaultOptions() Options {
	return Options{MaxLabelEdits: 2, MatchThreshold: 0.4}
}

// Validate checks the options' ranges.
func (o Options) Validate() error {
	if o.MaxLabelEdits < 0 {
		return fmt.Errorf("MaxLabelEdits %d < 0: %w", o.MaxLabelEdits, ErrBadConfig)
	}
	if !(o.MatchThreshold > 0 && o.MatchThreshold <= 1) {
		return fmt.Errorf("MatchThreshold %v not in (0, 1]: %w", o.MatchThreshold, ErrBadConfig)
	}
	return nil
}

// Load reads a corpus folder: posts.csv and annotations.csv, or the one
// *posts*.csv and *annotations*.csv there (the published names). See
// LoadFiles.
func Load(dir string, opt Options) (*Corpus, *Report, error) {
	posts, err := findFile(dir, "posts.csv", "posts")
	if err != nil {
		return nil, nil, err
	}
	anns, err := findFile(dir, "annotations.csv", "annotations")
	if err != nil {
		return nil, nil, err
	}
	return LoadFiles(posts, anns, opt)
}

// LoadFiles reads and validates a posts and an annotations file. Missing
// columns and unreadable files are errors; every other problem is counted
// in the report with examples and its rows handled as its ProblemKind says.
// With opt.Strict an unclean report is an ErrInvalidCorpus error (the
// report is still returned).
func LoadFiles(postsPath, annotationsPath string, opt Options) (*Corpus, *Report, error) {
	if err := opt.Validate(); err != nil {
		return nil, nil, fmt.Errorf("load options: %w", err)
	}
	rep := &Report{}
	pt, err := readTable(postsPath, postColumns, rep)
	if err != nil {
		return nil, nil, fmt.Errorf("load posts: %w", err)
	}
	at, err := readTable(annotationsPath, annotationColumns, rep)
	if err != nil {
		return nil, nil, fmt.Errorf("load annotations: %w", err)
	}
	c := &Corpus{byID: make(map[string]int)}
	c.addPosts(pt, rep)
	c.addAnnotations(at, opt, rep)
	rep.Posts, rep.Annotations = len(c.Posts), len(c.Annotations)
	if opt.Strict && !rep.Clean() {
		return c, rep, fmt.Errorf("%s, %s: %w:\n%s",
			filepath.Base(postsPath), filepath.Base(annotationsPath), ErrInvalidCorpus, rep)
	}
	return c, rep, nil
}

// addPosts keeps the first row of each post id that has text.
func (c *Corpus) addPosts(t *table, rep *Report) {
	rep.PostRows = len(t.rows)
	for i := range t.rows {
		id, text := t.get(i, "post_id"), t.rows[i][t.col["text"]]
		switch {
		case id == "" || text == "":
			rep.add(EmptyField, "%s line %d: post %q has an empty post_id or text", t.name, t.lines[i], id)
		case c.has(id):
			rep.add(DuplicatePost, "%s line %d: post %q already on line %d", t.name, t.lines[i], id, t.lines[c.byID[id]])
		default:
			c.byID[id] = len(c.Posts)
			c.Posts = append(c.Posts, Post{ID: id, Text: text})
		}
	}
}

func (c *Corpus) has(id string) bool {
	_, ok := c.byID[id]
	return ok
}

// addAnnotations validates each annotation row and keeps the valid ones,
// locating each sentence in its post.
func (c *Corpus) addAnnotations(t *table, opt Options, rep *Report) {
	rep.AnnotationRows = len(t.rows)
	seen := make(map[[2]string]int)
	for i := range t.rows {
		a, ok := c.parseAnnotation(t, i, opt, rep)
		if !ok {
			continue
		}
		key := [2]string{a.SentenceID, string(a.Label)}
		if first, dup := seen[key]; dup {
			rep.add(DuplicateAnnotation, "%s line %d: (%s, %s) already on line %d", t.name, t.lines[i], a.SentenceID, a.Label, first)
			continue
		}
		seen[key] = t.lines[i]
		c.place(&a, t.name, t.lines[i], opt.MatchThreshold, rep)
		c.Annotations = append(c.Annotations, a)
	}
}

// parseAnnotation reads row i into an Annotation, reporting why it is
// dropped when it is.
func (c *Corpus) parseAnnotation(t *table, i int, opt Options, rep *Report) (Annotation, bool) {
	at := fmt.Sprintf("%s line %d", t.name, t.lines[i])
	a := Annotation{
		PostID: t.get(i, "post_id"), SentenceID: t.get(i, "sentence_id"),
		Sentence: t.get(i, "sentence_text"), Explanation: t.get(i, "explanation"),
	}
	if a.PostID == "" || a.SentenceID == "" || a.Sentence == "" {
		rep.add(EmptyField, "%s: empty post_id, sentence_id or sentence_text", at)
		return a, false
	}
	if !c.has(a.PostID) {
		rep.add(UnknownPost, "%s: post %q is not in the posts file", at, a.PostID)
		return a, false
	}
	raw := t.get(i, "DSM5_symptom")
	label, suggestion, err := ParseLabel(raw, opt.MaxLabelEdits)
	switch {
	case err == nil:
		a.Label = label
	case suggestion == "":
		rep.add(UnknownLabel, "%s: %q is not a label", at, raw)
		return a, false
	case opt.CorrectLabels:
		rep.add(MisspelledLabel, "%s: %q corrected to %s", at, raw, suggestion)
		a.Label = suggestion
	default:
		rep.add(MisspelledLabel, "%s: %q is not a label; did you mean %s? (row dropped; Options.CorrectLabels corrects it)", at, raw, suggestion)
		return a, false
	}
	status, err := strconv.Atoi(t.get(i, "status"))
	if err != nil || (status != 0 && status != 1) {
		rep.add(BadStatus, "%s: status %q is not 0 or 1", at, t.get(i, "status"))
		return a, false
	}
	a.Status = status
	return a, true
}

// place locates a's sentence in its post and reports inexact matches.
func (c *Corpus) place(a *Annotation, file string, line int, threshold float64, rep *Report) {
	post := c.Posts[c.byID[a.PostID]]
	a.Span, a.Match, a.Score = locate(post.Text, a.Sentence, threshold)
	switch a.Match {
	case MatchApproximate:
		rep.add(ApproximateSentence, "%s line %d: %s matched %q (similarity %.2f)",
			file, line, a.SentenceID, post.Text[a.Span.Start:a.Span.End], a.Score)
	case MatchNone:
		rep.add(SentenceNotFound, "%s line %d: %s %q not in post %s (best similarity %.2f < %.2f)",
			file, line, a.SentenceID, a.Sentence, a.PostID, a.Score, threshold)
	}
}
