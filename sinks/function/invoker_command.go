package function

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// commandInvoker runs a local program per invocation.
type commandInvoker struct {
	prog    string
	args    []string
	timeout time.Duration
}

func newCommandInvoker(command string, timeout time.Duration) (Invoker, error) {
	f := strings.Fields(command)
	if len(f) == 0 {
		return nil, fmt.Errorf("function: command %q names no program", command)
	}
	return &commandInvoker{prog: f[0], args: f[1:], timeout: timeout}, nil
}

// Invoke runs the program with payload on stdin and returns its stdout; a
// non-zero exit or the timeout fails the invocation.
func (c *commandInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.prog, c.args...)
	cmd.Stdin = bytes.NewReader(payload)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: command %s: %w", ErrInvoke, c.prog, ctx.Err())
		}
		return nil, fmt.Errorf("%w: command %s: %w: %s", ErrInvoke, c.prog, err, snippet(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}
