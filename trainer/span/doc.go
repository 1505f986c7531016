// Package span decodes the start and end logits of an extractive
// question-answering head into answer spans and scores them, for the
// evidence agent (and the share and joint agents, which reuse its span
// head). It is pure Go with no libtorch import, so it builds and is tested
// everywhere; the trainer turns the model's tensors into Window values and
// calls it.
//
// Coordinates. A document (a post) is tokenized once, alone; its tokens are
// numbered 0..n-1 ("document positions"). A model input is a window of
// those tokens (tok.max_length limits a window, consecutive windows overlap
// by tok.doc_stride tokens) paired with the criterion text. A Span is an
// inclusive range of document positions, so spans found in different
// windows are comparable and a gold answer is one Span whatever the
// windowing. The gold span of an annotated evidence sentence is the range
// of document tokens that overlap the sentence's bytes (data.TokenSpan).
//
// Decoding one document (Decode), following Hugging Face's
// postprocess_qa_predictions:
//  1. In each window, the NBest highest start logits and the NBest highest
//     end logits among the window's document tokens give candidate pairs
//     (start <= end, at most MaxAnswerLen tokens), mapped to document
//     positions.
//  2. Each candidate gets a score from the Reranker (sum, product, softmax;
//     see Reranker). The null answer ("no evidence") gets a score on the
//     same scale from the logits at the window's first token ([CLS] / <s>),
//     taking the window least sure of the null, as Hugging Face does.
//  3. Candidates of all windows are merged by greedy non-maximum
//     suppression: best first, a candidate whose token IoU with a kept one
//     exceeds NMSIoU is dropped (the same span seen in two overlapping
//     windows has IoU 1 and is kept once, with its better score). At most
//     TopK are kept.
//
// The null decision (Decide) is made per split by the NullPolicy: none,
// threshold, ratio or calibrated (a threshold fitted on the training split
// by FitThreshold). A Prediction is then either "no evidence" or its kept
// spans, best first.
//
// Metrics (Score) are SQuAD v2's, on token spans of the post: exact match
// is 1 when the best predicted span equals one of the gold spans exactly
// (same first and last document token), or when both the prediction and
// the gold are "no evidence"; token F1 is the best, over the gold spans,
// of the F1 of the overlap of document positions, 1 for a correct "no
// evidence" and 0 when exactly one side is "no evidence". Both use only the
// best span: TopK changes neither. TopKEM is exact match counting a hit
// when any of the kept TopK spans equals a gold span (the recall of the
// ranked list); NullRate is the share of "no evidence" predictions.
// Everything here is deterministic.
package span
