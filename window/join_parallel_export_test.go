package window

import "github.com/eddy-sql/eddy/exec"

// NewParallelJoinN is NewParallelJoin that keeps the held rows on workers
// goroutines even for one worker.
func NewParallelJoinN(left, right exec.Operator, cfg JoinConfig, workers int) (exec.Operator, error) {
	p, err := newParallelJoin(left, right, cfg, workers)
	if err != nil {
		return nil, err
	}
	return p, nil
}
