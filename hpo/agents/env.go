package agents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The environment variables that narrow the space, as in the original.
const (
	// EnvModelChoices is a comma list of model names (a subset of Models())
	// and absolute paths of local model folders (IsLocalModel).
	EnvModelChoices = "HPO_MODEL_CHOICES"
	// EnvHeadLimits is a JSON object with keys layers_min, layers_max,
	// hidden_choices and dropout_max (each optional).
	EnvHeadLimits = "HPO_HEAD_LIMITS_JSON"
)

// OptionsFromEnv reads HPO_MODEL_CHOICES and HPO_HEAD_LIMITS_JSON through
// getenv (os.Getenv, or a map in tests). A variable that is unset or blank
// leaves its part of the space as in the original; keys missing from
// HPO_HEAD_LIMITS_JSON keep their original range. Any invalid narrowing is an
// error wrapping ErrInvalidOptions whose message starts with the variable's
// name and names the problem. Optimizers are never read from the
// environment. It is deterministic and does not block.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var opt Options
	if s := strings.TrimSpace(getenv(EnvModelChoices)); s != "" {
		models, err := parseModelChoices(s)
		if err != nil {
			return Options{}, fmt.Errorf("%s: %w", EnvModelChoices, err)
		}
		opt.Models = models
	}
	if s := strings.TrimSpace(getenv(EnvHeadLimits)); s != "" {
		head, err := parseHeadLimits(s)
		if err != nil {
			return Options{}, fmt.Errorf("%s: %w", EnvHeadLimits, err)
		}
		opt.Head = head
	}
	return opt, nil
}

// parseModelChoices splits a comma list, trimming spaces around names.
func parseModelChoices(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	models := make([]string, len(parts))
	for i, p := range parts {
		models[i] = strings.TrimSpace(p)
		if models[i] == "" {
			return nil, fmt.Errorf("%w: entry %d of %q is empty", ErrInvalidOptions, i+1, s)
		}
	}
	if err := validSubset("models", models, Models(), IsLocalModel); err != nil {
		return nil, err
	}
	return models, nil
}

// parseHeadLimits reads the JSON object of HPO_HEAD_LIMITS_JSON over
// DefaultHeadLimits. Keys are read in sorted order, so the first problem
// reported does not depend on the order of the JSON text.
func parseHeadLimits(s string) (HeadLimits, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return HeadLimits{}, fmt.Errorf("%w: not a JSON object: %q", ErrInvalidOptions, s)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return HeadLimits{}, fmt.Errorf("%w: text after the JSON object in %q", ErrInvalidOptions, s)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := DefaultHeadLimits()
	for _, k := range keys {
		if err := setHeadLimit(&h, k, raw[k]); err != nil {
			return HeadLimits{}, err
		}
	}
	if err := h.Validate(); err != nil {
		return HeadLimits{}, err
	}
	return h, nil
}

func setHeadLimit(h *HeadLimits, key string, raw json.RawMessage) error {
	var target any
	var want string
	switch key {
	case "layers_min":
		target, want = &h.LayersMin, "an integer"
	case "layers_max":
		target, want = &h.LayersMax, "an integer"
	case "hidden_choices":
		target, want = &h.HiddenChoices, "a list of integers"
	case "dropout_max":
		target, want = &h.DropoutMax, "a number"
	default:
		return fmt.Errorf("%w: unknown key %q (want layers_min, layers_max, hidden_choices or dropout_max)", ErrInvalidOptions, key)
	}
	// null would leave the target unchanged in encoding/json; reject it.
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, target) != nil {
		return fmt.Errorf("%w: %s must be %s, got %s", ErrInvalidOptions, key, want, raw)
	}
	return nil
}
