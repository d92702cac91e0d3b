package window

import "github.com/eddy-sql/eddy/exec"

// ErrRestorePanic exposes errRestorePanic to the external tests.
var ErrRestorePanic = errRestorePanic

// PendingRows returns the stagger rows a group-by holds that are in no
// window yet (0 for other operators).
func PendingRows(op exec.Operator) int {
	g, ok := op.(*groupBy)
	if !ok {
		return 0
	}
	if k, ok := g.state.(*keyedState); ok {
		return k.npend
	}
	return 0
}

// NewParallelGroupByN is NewParallelGroupBy that keeps the windows on
// workers goroutines even for one worker.
func NewParallelGroupByN(input exec.Operator, cfg Config, workers int) (exec.Operator, error) {
	o, err := newGroupBy(input, cfg, workers)
	if err != nil {
		return nil, err
	}
	return o, nil
}
