package main

import (
	"errors"
	"slices"
	"testing"
)

func TestParseDevices(t *testing.T) {
	good := map[string][]string{
		"cpu":                   {"cpu"},
		"cuda:0":                {"cuda:0"},
		"cuda:0,cuda:1":         {"cuda:0", "cuda:1"},
		" cuda:3 , cuda:1 ":     {"cuda:3", "cuda:1"},
		"cuda:10,cuda:2,cuda:0": {"cuda:10", "cuda:2", "cuda:0"},
		"cuda:0*2,cuda:1*2":     {"cuda:0", "cuda:0", "cuda:1", "cuda:1"},
		"cuda:1*3, cuda:0":      {"cuda:1", "cuda:1", "cuda:1", "cuda:0"},
		"cuda:0*1":              {"cuda:0"},
		"cpu*2":                 {"cpu", "cpu"},
	}
	for in, want := range good {
		got, err := parseDevices(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseDevices(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "gpu", "cuda", "cuda:", "cuda:-1", "cuda:01", "cuda:x",
		"cuda:0,cuda:0", "cpu,cpu", "cpu,cuda:0", "cuda:0,,cuda:1",
		"cuda:0*0", "cuda:0*-1", "cuda:0*", "cuda:0*x", "cuda:0*02", "cuda:0*65", "*2", "cuda:0*2*2",
		"cuda:0*2,cuda:0", "cpu*2,cuda:0"} {
		if got, err := parseDevices(in); !errors.Is(err, errUsage) {
			t.Errorf("parseDevices(%q) = %v, %v; want errUsage", in, got, err)
		}
	}
}
