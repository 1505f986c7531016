package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Column names of the published ReDSM5 files.
var (
	postColumns       = []string{"post_id", "text"}
	annotationColumns = []string{"post_id", "sentence_id", "sentence_text", "DSM5_symptom", "status", "explanation"}
)

// table is a CSV file read into memory: the column index of each required
// name and the data rows with their line numbers.
type table struct {
	name  string // file name, for messages
	col   map[string]int
	rows  [][]string
	lines []int
}

// get returns the cell of column name in row i, trimmed of spaces.
func (t *table) get(i int, name string) string {
	return strings.TrimSpace(t.rows[i][t.col[name]])
}

// readTable reads a CSV file whose header must hold every required column
// (matched case-insensitively; extra columns are allowed). Rows whose field
// count differs from the header's are reported as MalformedRow and left out.
func readTable(path string, required []string, rep *Report) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	t := &table{name: filepath.Base(path), col: make(map[string]int)}
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: read header: %w", t.name, err)
	}
	if err := t.mapHeader(header, required); err != nil {
		return nil, err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", t.name, line, err)
		}
		if len(rec) != len(header) {
			rep.add(MalformedRow, "%s line %d: %d fields, header has %d", t.name, line, len(rec), len(header))
			continue
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
}

// mapHeader finds every required column in header, or returns
// ErrMissingColumns naming the missing ones and the columns found.
func (t *table) mapHeader(header, required []string) error {
	found := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		found[strings.ToLower(h)] = i
	}
	var missing []string
	for _, name := range required {
		i, ok := found[strings.ToLower(name)]
		if !ok {
			missing = append(missing, name)
			continue
		}
		t.col[name] = i
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: %d %w (%s); header has %q",
			t.name, len(missing), ErrMissingColumns, strings.Join(missing, ", "), header)
	}
	return nil
}

// findFile returns dir/exact when it exists, else the one *.csv file of dir
// whose name contains hint (the published files are named like
// redsm5_posts.csv or redsm5_posts_sample_paraphrased.csv).
func findFile(dir, exact, hint string) (string, error) {
	p := filepath.Join(dir, exact)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*"+hint+"*.csv"))
	if err != nil {
		return "", fmt.Errorf("search %s: %w", dir, err)
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("%s: no %s and no *%s*.csv: %w", dir, exact, hint, ErrNoFile)
	default:
		return "", fmt.Errorf("%s: no %s and several *%s*.csv %q: %w", dir, exact, hint, matches, ErrNoFile)
	}
}
