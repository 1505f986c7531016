package model

import (
	"testing"
)

// fixtureTexts are the inputs of the tests and of the reference activations
// (scripts/model-reference.py reads the same pairs from testdata).
var fixtureTexts = [][2]string{
	{"I have felt sad and empty for weeks.", "Depressed mood most of the day."},
	{"Nothing is fun anymore, not even music!", ""},
	{"I sleep twelve hours and still feel tired.", "Insomnia or sleeping too much nearly every day."},
}

func fixtureWords() []string {
	var words []string
	for _, p := range fixtureTexts {
		words = append(words, p[0], p[1])
	}
	return words
}

// writeTiny writes a tiny model of modelType into a temporary folder.
func writeTiny(t *testing.T, modelType string, mutate func(*TinyConfig)) (string, Config) {
	t.Helper()
	c := DefaultTinyConfig(modelType, fixtureWords())
	if mutate != nil {
		mutate(&c)
	}
	dir := t.TempDir()
	cfg, err := WriteTinyModel(dir, c)
	if err != nil {
		t.Fatalf("WriteTinyModel(%s): %v", modelType, err)
	}
	return dir, cfg
}
