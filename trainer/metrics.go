package trainer

import "fmt"

// MacroF1 is the unweighted mean over classes of F1 = 2TP / (2TP + FP + FN),
// over the classes that occur in targets or predictions (scikit-learn's
// f1_score(average="macro") with its default labels). Deterministic.
func MacroF1(preds, targets []int) (float64, error) {
	if len(preds) != len(targets) || len(preds) == 0 {
		return 0, fmt.Errorf("macro-F1 of %d predictions for %d targets", len(preds), len(targets))
	}
	type counts struct{ tp, fp, fn int }
	byClass := map[int]*counts{}
	get := func(c int) *counts {
		if byClass[c] == nil {
			byClass[c] = &counts{}
		}
		return byClass[c]
	}
	for i, p := range preds {
		t := targets[i]
		if p == t {
			get(p).tp++
			continue
		}
		get(p).fp++
		get(t).fn++
	}
	sum := 0.0
	for _, c := range byClass {
		sum += 2 * float64(c.tp) / float64(2*c.tp+c.fp+c.fn)
	}
	return sum / float64(len(byClass)), nil
}
