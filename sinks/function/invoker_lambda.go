package function

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// lambdaInvoker calls AWS Lambda's Invoke (RequestResponse).
type lambdaInvoker struct {
	client  *lambda.Client
	name    string
	timeout time.Duration
}

func newLambdaInvoker(ctx context.Context, t Target, timeout time.Duration) (Invoker, error) {
	var opts []func(*config.LoadOptions) error
	if t.Region != "" {
		opts = append(opts, config.WithRegion(t.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("function: lambda %s: load aws config: %w", t.Lambda, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return NewLambdaInvoker(cfg, t.Lambda, t.Endpoint, timeout), nil
}

// NewLambdaInvoker returns an invoker of the Lambda function name (a name
// or ARN) with the AWS configuration cfg; endpoint, when not empty,
// overrides the service URL. The SDK's own retries are off: the Caller
// retries. timeout 0 means DefaultTimeout.
func NewLambdaInvoker(cfg aws.Config, name, endpoint string, timeout time.Duration) Invoker {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.RetryMaxAttempts = 1
	})
	return &lambdaInvoker{client: client, name: name, timeout: timeout}
}

// Invoke calls the function synchronously; a function error (an unhandled
// exception) fails the invocation with the function's error payload.
func (l *lambdaInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	out, err := l.client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(l.name), Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("%w: lambda %s: %w", ErrInvoke, l.name, err)
	}
	if out.FunctionError != nil {
		return nil, fmt.Errorf("%w: lambda %s: function error %s: %s", ErrInvoke, l.name, *out.FunctionError, snippet(out.Payload))
	}
	return out.Payload, nil
}
