package data

import "testing"

func TestLocate(t *testing.T) {
	post := "I’m tired.  Really   TIRED — every day. I can't sleep at night, and I wake at four. The dog is fine."
	tests := []struct {
		name     string
		sentence string
		kind     MatchKind
		want     string // the post text under the span
	}{
		{"exact", "The dog is fine.", MatchExact, "The dog is fine."},
		{"quotes, case and spaces folded", "i'm tired. really tired - every day.", MatchNormalized, "I’m tired.  Really   TIRED — every day."},
		{"reworded", "I cannot sleep at night and wake up at four.", MatchApproximate, "I can't sleep at night, and I wake at four."},
		{"absent", "My cat likes tuna sandwiches on Sundays.", MatchNone, ""},
		{"empty", "  ", MatchNone, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			span, kind, score := locate(post, tc.sentence, 0.4)
			if kind != tc.kind {
				t.Fatalf("kind %v (score %.2f), want %v", kind, score, tc.kind)
			}
			if kind == MatchNone {
				return
			}
			if got := post[span.Start:span.End]; got != tc.want {
				t.Errorf("span %v covers %q, want %q", span, got, tc.want)
			}
		})
	}
}

func TestLocatePrefersOneSentence(t *testing.T) {
	post := "I remember weeks lying on the floor, paralyzed by fear. Then I managed to pause it all."
	span, kind, _ := locate(post, "I recall weeks lying on the floor, frozen in fear.", 0.4)
	if kind != MatchApproximate {
		t.Fatalf("kind %v", kind)
	}
	if got, want := post[span.Start:span.End], "I remember weeks lying on the floor, paralyzed by fear."; got != want {
		t.Errorf("span covers %q, want %q", got, want)
	}
}

func TestSentenceBounds(t *testing.T) {
	r := []rune(`one. "two!" three? four... five`)
	var got []string
	for _, b := range sentenceBounds(r) {
		got = append(got, string(r[b[0]:b[1]]))
	}
	want := []string{"one.", `"two!"`, "three?", "four...", "five"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sentence %d = %q, want %q", i, got[i], want[i])
		}
	}
}
