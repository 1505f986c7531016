package data

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLabel(t *testing.T) {
	tests := []struct {
		in         string
		want       Label
		suggestion Label
	}{
		{"SLEEP_ISSUES", SleepIssues, ""},
		{" ANHEDONIA ", Anhedonia, ""},
		{"LEEP_ISSUES", "", SleepIssues}, // the full corpus's misspelling
		{"fatigue", "", Fatigue},         // case folded before the distance
		{"DEPRESED_MOOD", "", DepressedMood},
		{"HAPPINESS", "", ""}, // too far from every label
		{"", "", ""},
	}
	for _, tc := range tests {
		got, sugg, err := ParseLabel(tc.in, 2)
		if got != tc.want || sugg != tc.suggestion {
			t.Errorf("ParseLabel(%q) = %q, %q; want %q, %q", tc.in, got, sugg, tc.want, tc.suggestion)
		}
		if (tc.want == "") != errors.Is(err, ErrUnknownLabel) {
			t.Errorf("ParseLabel(%q) error %v, want ErrUnknownLabel iff unknown", tc.in, err)
		}
	}
}

func TestCriteriaTexts(t *testing.T) {
	seen := map[string]bool{}
	for i, l := range Labels() {
		c, err := CriterionOf(l)
		if err != nil {
			t.Fatalf("CriterionOf(%s): %v", l, err)
		}
		if seen[c.Text] || len(c.Text) < 40 {
			t.Errorf("%s: text %q duplicated or too short", l, c.Text)
		}
		seen[c.Text] = true
		wantID := "SC"
		if l != SpecialCase {
			wantID = "A" + string(rune('1'+i))
		}
		if c.ID != wantID {
			t.Errorf("%s: ID %s, want %s", l, c.ID, wantID)
		}
	}
	if len(seen) != 10 {
		t.Errorf("%d criteria, want 10", len(seen))
	}
	if _, err := CriterionOf("NOPE"); !errors.Is(err, ErrUnknownLabel) || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("CriterionOf(NOPE) = %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"LEEP_ISSUES", "SLEEP_ISSUES", 1}, {"é", "e", 1}}
	for _, tc := range tests {
		if got := editDistance([]rune(tc.a), []rune(tc.b)); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
