//go:build gotch

package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// logBucket reproduces Hugging Face's make_log_bucket_position (float32)
// at DeBERTa-v3's settings (256 buckets, 512 positions) and the tiny ones.
func TestLogBucketMatchesHuggingFace(t *testing.T) {
	var table struct {
		Cases []struct {
			Buckets     int   `json:"buckets"`
			MaxPosition int   `json:"max_position"`
			First       int   `json:"first"`
			BucketsOf   []int `json:"buckets_of"`
		} `json:"cases"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "hf_log_buckets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	for _, c := range table.Cases {
		for i, want := range c.BucketsOf {
			r := c.First + i
			if got := logBucket(r, c.Buckets, c.MaxPosition); got != want {
				t.Fatalf("logBucket(%d, %d, %d) = %d, Hugging Face %d", r, c.Buckets, c.MaxPosition, got, want)
			}
		}
	}
}
