package trainer

import (
	"github.com/redsm5/supermax-hpo/hpo"
)

// The share and joint agents' names in requests (agents.Share,
// agents.Joint).
const (
	agentShare = "share"
	agentJoint = "joint"
)

// isTwin reports whether agent is one of the two agents with a
// classification head and a span head on one split encoder.
func isTwin(agent string) bool { return agent == agentShare || agent == agentJoint }

// TwinConfig is a share or joint trial's parameters (docs/agents.md): the
// common ones with the classification head and loss as ParseCriteria reads
// them (the head.* parameters shape both heads), the span part as
// ParseEvidence reads it, and the two parameters of their own. Plain data.
type TwinConfig struct {
	TrialConfig
	QA QAConfig
	// ShareRatio (joint.share_ratio) is the fraction of transformer layers
	// both branches share (model.SharedLayers).
	ShareRatio float64
	// CriteriaWeight (joint.criteria_weight) is w_c of the loss
	// w_c·L_cls + (1 − w_c)·(L_start + L_end).
	CriteriaWeight float64
}

// ParseTwin reads a share or joint trial's parameters (names as in
// hpo/agents), checking each one's presence, kind and range as
// ParseCriteria and ParseEvidence do; errors wrap
// activities.ErrInvalidConfig and name the parameter. Deterministic.
func ParseTwin(params map[string]hpo.Value) (TwinConfig, error) {
	crit, err := ParseCriteria(params)
	if err != nil {
		return TwinConfig{}, err
	}
	ev, err := ParseEvidence(params)
	if err != nil {
		return TwinConfig{}, err
	}
	r := &paramReader{params: params}
	c := TwinConfig{
		TrialConfig:    crit,
		QA:             ev.QA,
		ShareRatio:     r.num("joint.share_ratio", 0, 1),
		CriteriaWeight: r.num("joint.criteria_weight", 0, 1),
	}
	return c, r.err
}
