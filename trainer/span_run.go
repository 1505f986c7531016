//go:build gotch

package trainer

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/sugarme/gotch"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

// epochSession is a trial's session that trains one epoch and saves it
// under the checkpoint contract of activities.Trainer (the evidence
// agent's evidenceSession, the share and joint agents' twinSession).
type epochSession interface {
	trainEpoch(ctx context.Context, epoch int) (activities.EpochResult, error)
	save(prev *checkpointMeta, hash string, res activities.EpochResult) error
	free()
}

// runEpoch is one epoch of a trial under the checkpoint contract: it
// returns the recorded result when epoch req.Epoch already finished,
// otherwise builds the session from the previous epoch's checkpoint with
// open (prev is nil at epoch 1), trains the epoch, saves it and frees the
// session's tensors. The request must have been checked (study, epoch
// range, checkpoint folder). Errors are classified (classify).
func runEpoch[S epochSession](ctx context.Context, req activities.EpochRequest, open func(prev *checkpointMeta) (S, error)) (activities.EpochResult, error) {
	hash, err := paramsHash(req.Params)
	if err != nil {
		return activities.EpochResult{}, err
	}
	if err := os.MkdirAll(req.CheckpointDir, 0o755); err != nil {
		return activities.EpochResult{}, fmt.Errorf("checkpoint dir: %w", err)
	}
	prev, done, err := startFrom(req, hash)
	if err != nil || done != nil {
		return deref(done), err
	}
	s, err := open(prev)
	if err != nil {
		return activities.EpochResult{}, err
	}
	defer releaseMemory() // see Trainer.train
	defer s.free()
	res, err := s.trainEpoch(ctx, req.Epoch)
	if err == nil {
		err = s.save(prev, hash, res)
	}
	if err != nil {
		return activities.EpochResult{}, classify(err)
	}
	return res, nil
}

// spanInputs resolves, for a trial of a span agent (evidence, share,
// joint), its device, its model folder and the study's documents windowed
// for that model at maxLength and docStride (one cache serves the three
// agents). A window without room for text (tok.doc_stride or
// tok.max_length too large for the criterion) is ErrInvalidConfig.
func (t *Trainer) spanInputs(req activities.EpochRequest, name string, maxLength, docStride int) (gotch.Device, string, *evidenceData, error) {
	device, err := parseDevice(req.Device)
	if err != nil {
		return device, "", nil, err
	}
	modelDir, err := model.Resolve(name, t.cfg.Models)
	if err != nil {
		return device, "", nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	d, err := t.evidence.get(evidenceKey{study: req.Study, modelDir: modelDir, maxLength: maxLength, docStride: docStride})
	if errors.Is(err, model.ErrBadInput) {
		return device, "", nil, fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return device, modelDir, d, err
}
