package model

import (
	"errors"
	"reflect"
	"testing"
)

// WindowRanges follows Hugging Face's overflow rule: starts size−stride
// apart, stop at the first window that reaches the end.
func TestWindowRanges(t *testing.T) {
	for _, tc := range []struct {
		n, size, stride int
		want            [][2]int
	}{
		{5, 10, 3, [][2]int{{0, 5}}},
		{10, 10, 3, [][2]int{{0, 10}}},
		{20, 11, 4, [][2]int{{0, 11}, {7, 18}, {14, 20}}},
		{12, 4, 0, [][2]int{{0, 4}, {4, 8}, {8, 12}}},
		{13, 4, 3, [][2]int{{0, 4}, {1, 5}, {2, 6}, {3, 7}, {4, 8}, {5, 9}, {6, 10}, {7, 11}, {8, 12}, {9, 13}}},
		{0, 4, 1, [][2]int{{0, 0}}},
	} {
		got, err := WindowRanges(tc.n, tc.size, tc.stride)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("WindowRanges(%d, %d, %d) = %v, %v; want %v", tc.n, tc.size, tc.stride, got, err, tc.want)
		}
	}
	for _, bad := range [][3]int{{10, 4, 4}, {10, 0, 0}, {10, 4, -1}} {
		if _, err := WindowRanges(bad[0], bad[1], bad[2]); !errors.Is(err, ErrBadInput) {
			t.Errorf("WindowRanges%v: %v, want ErrBadInput", bad, err)
		}
	}
}

// A post of 20 tokens with a 2-token criterion under max_length 16 leaves
// 11 text tokens per BERT window ([CLS] text [SEP] pair [SEP]); stride 4
// gives windows at tokens 0, 7 and 14. Each window holds exactly its slice
// of the text's tokens, and a text that fits gives Encode's encoding.
func TestEncodeWindows(t *testing.T) {
	for _, family := range []string{"bert", "roberta"} {
		tok := tinyTokenizer(t, family, 16)
		long := "I feel sad and empty almost every single day. I cannot sleep at night and I wake up tired."
		alone, err := tinyTokenizer(t, family, 512).Encode(long, "")
		if err != nil {
			t.Fatal(err)
		}
		textIDs := alone.IDs[1 : alone.Len()-1]
		textOffsets := alone.Offsets[1 : alone.Len()-1]
		ws, err := tok.EncodeWindows(long, "depressed mood", 4)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ws.Text, textOffsets) {
			t.Errorf("%s: text offsets %v, want %v", family, ws.Text, textOffsets)
		}
		pairLen := 2
		room := 16 - tok.tk.AddedTokens(true) - pairLen
		want, _ := WindowRanges(len(textIDs), room, 4)
		if len(ws.Windows) != len(want) || len(want) < 2 {
			t.Fatalf("%s: %d windows, want %d (%v) of %d text tokens", family, len(ws.Windows), len(want), want, len(textIDs))
		}
		for i, w := range ws.Windows {
			r := want[i]
			if w.Offset != r[0] || w.TextLen != r[1]-r[0] || w.Len() > 16 {
				t.Errorf("%s window %d: offset %d, %d text tokens, length %d; want range %v", family, i, w.Offset, w.TextLen, w.Len(), r)
			}
			if got := w.IDs[w.TextStart : w.TextStart+w.TextLen]; !reflect.DeepEqual(got, textIDs[r[0]:r[1]]) {
				t.Errorf("%s window %d: text ids %v, want %v", family, i, got, textIDs[r[0]:r[1]])
			}
			if w.Special[0] != 1 || w.Special[w.Len()-1] != 1 || w.TextStart != 1 {
				t.Errorf("%s window %d: special mask %v, text from %d", family, i, w.Special, w.TextStart)
			}
		}
		short := "I feel sad."
		one, err := tok.EncodeWindows(short, "depressed mood", 4)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := tok.Encode(short, "depressed mood")
		if len(one.Windows) != 1 || !reflect.DeepEqual(one.Windows[0].Encoded, enc) {
			t.Errorf("%s: a short text gives %+v, Encode gives %+v", family, one.Windows, enc)
		}
	}
}

func TestEncodeWindowsErrors(t *testing.T) {
	tok := tinyTokenizer(t, "bert", 8)
	if _, err := tok.EncodeWindows("I feel sad.", "depressed mood and sad and empty", 1); !errors.Is(err, ErrBadInput) {
		t.Errorf("pair longer than max_length: %v", err)
	}
	if _, err := tok.EncodeWindows("I feel sad and empty every day.", "mood", 4); !errors.Is(err, ErrBadInput) {
		t.Errorf("stride not below the room: %v", err)
	}
}
