package function

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Invoker calls a function once: it sends payload (a JSON event) and
// returns the function's response body. An error means the invocation
// failed as a whole (unreachable, timed out, a non-2xx status, a function
// error, a non-zero exit). Invokers are safe for concurrent use.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// ErrInvoke is wrapped by every failed invocation.
var ErrInvoke = errors.New("function: invoke")

// Target names a function and how to reach it. Exactly one of Lambda, URL
// and Command is set.
type Target struct {
	// Lambda is an AWS Lambda function name or ARN, invoked through the
	// Lambda Invoke API with the standard credential chain.
	Lambda string
	// Region and Endpoint configure the Lambda client; Endpoint overrides
	// the service URL (for tests and Lambda-compatible servers).
	Region, Endpoint string
	// URL is an http:// or https:// endpoint that receives the event as a
	// POST of JSON and answers with the response.
	URL string
	// Command is a local program and its arguments separated by spaces: the
	// event goes to its stdin and the response comes from its stdout.
	Command string
	// Timeout bounds one invocation; 0 means 30s.
	Timeout time.Duration
}

// DefaultTimeout bounds one invocation when Target.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// String names the target for messages.
func (t Target) String() string {
	switch {
	case t.Lambda != "":
		return "lambda:" + t.Lambda
	case t.URL != "":
		return t.URL
	case t.Command != "":
		return "command:" + t.Command
	}
	return "no function"
}

// ParseTarget reads a function binding: "lambda:NAME_OR_ARN" (with an
// optional "?region=…&endpoint=…&timeout=…"), a bare Lambda ARN
// "arn:aws:lambda:…", an "http://…" or "https://…" URL, or
// "command:PROGRAM ARGS…".
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "arn:"):
		return Target{Lambda: s}, nil
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		if _, err := url.Parse(s); err != nil {
			return Target{}, fmt.Errorf("function: target %q: %w", s, err)
		}
		return Target{URL: s}, nil
	case strings.HasPrefix(s, "command:"):
		c := strings.TrimSpace(strings.TrimPrefix(s, "command:"))
		if c == "" {
			return Target{}, fmt.Errorf("function: target %q names no program", s)
		}
		return Target{Command: c}, nil
	case strings.HasPrefix(s, "lambda:"):
		name, query, _ := strings.Cut(strings.TrimPrefix(s, "lambda:"), "?")
		if name == "" {
			return Target{}, fmt.Errorf("function: target %q names no function", s)
		}
		t := Target{Lambda: name}
		q, err := url.ParseQuery(query)
		if err != nil {
			return Target{}, fmt.Errorf("function: target %q: %w", s, err)
		}
		for k := range q {
			switch k {
			case "region":
				t.Region = q.Get(k)
			case "endpoint":
				t.Endpoint = q.Get(k)
			case "timeout":
				d, err := time.ParseDuration(q.Get(k))
				if err != nil {
					return Target{}, fmt.Errorf("function: target %q: timeout: %w", s, err)
				}
				t.Timeout = d
			default:
				return Target{}, fmt.Errorf("function: target %q: unknown parameter %q (use region, endpoint, timeout)", s, k)
			}
		}
		return t, nil
	}
	return Target{}, fmt.Errorf("function: target %q: use lambda:NAME, an ARN, an http(s) URL or command:PROGRAM", s)
}

// NewInvoker returns the invoker for t. For Lambda it loads the AWS
// configuration (region, credentials) through the standard chain.
func NewInvoker(ctx context.Context, t Target) (Invoker, error) {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	n := 0
	for _, s := range []string{t.Lambda, t.URL, t.Command} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("function: give exactly one of lambda, url and command (got %d)", n)
	}
	switch {
	case t.Lambda != "":
		return newLambdaInvoker(ctx, t, timeout)
	case t.URL != "":
		return newHTTPInvoker(t.URL, timeout)
	}
	return newCommandInvoker(t.Command, timeout)
}

// snippet shortens a response or stderr text for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
