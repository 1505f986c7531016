package hpo

import (
	"math"
	"testing"
)

func TestTrialState(t *testing.T) {
	names := map[TrialState]string{Running: "RUNNING", Complete: "COMPLETE", Pruned: "PRUNED", Fail: "FAIL", Waiting: "WAITING"}
	for s, name := range names {
		if s.String() != name {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), name)
		}
		for _, in := range []string{name, toLower(name)} {
			if got, err := ParseTrialState(in); err != nil || got != s {
				t.Errorf("ParseTrialState(%q) = %v, %v", in, got, err)
			}
		}
		if want := s == Complete || s == Pruned || s == Fail; s.Finished() != want {
			t.Errorf("%s.Finished() = %v", s, s.Finished())
		}
	}
	if TrialState(9).String() != "TrialState(9)" {
		t.Errorf("unknown state prints %q", TrialState(9).String())
	}
	for _, bad := range []string{"", "done", "COMPLETED", "complete "} {
		if _, err := ParseTrialState(bad); err == nil {
			t.Errorf("ParseTrialState(%q) accepted", bad)
		}
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestDirection(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Direction
	}{{"maximize", Maximize}, {"MAXIMIZE", Maximize}, {"Minimize", Minimize}} {
		got, err := ParseDirection(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDirection(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, bad := range []string{"", "max", "maximise"} {
		if _, err := ParseDirection(bad); err == nil {
			t.Errorf("ParseDirection(%q) accepted", bad)
		}
	}
	if Maximize.String() != "maximize" || Minimize.String() != "minimize" {
		t.Error("Direction.String")
	}
	if !Maximize.Better(2, 1) || Maximize.Better(1, 1) || Maximize.Better(1, 2) {
		t.Error("Maximize.Better")
	}
	if !Minimize.Better(1, 2) || Minimize.Better(1, 1) || Minimize.Better(2, 1) {
		t.Error("Minimize.Better")
	}
	if Maximize.Better(math.NaN(), 0) || Minimize.Better(math.NaN(), 0) {
		t.Error("NaN is never better")
	}
}
