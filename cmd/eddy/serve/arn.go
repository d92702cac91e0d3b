package serve

import (
	"fmt"
	"strings"
)

// arn is a parsed Amazon Resource Name:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type arn struct {
	service, region, account, resource string
}

// parseARN splits an ARN into its parts.
func parseARN(s string) (arn, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" || parts[5] == "" {
		return arn{}, fmt.Errorf("%q is not an ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE)", s)
	}
	return arn{service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, nil
}

// named returns the name after the resource type prefix (stream/NAME,
// deliverystream/NAME, function:NAME), checking the service.
func (a arn) named(service, prefix string) (string, error) {
	if a.service != service || !strings.HasPrefix(a.resource, prefix) || len(a.resource) == len(prefix) {
		return "", fmt.Errorf("ARN arn:…:%s:…:%s is not a %s %s…", a.service, a.resource, service, prefix)
	}
	return strings.TrimPrefix(a.resource, prefix), nil
}

// kinesisStream returns the stream name of a Kinesis stream ARN.
func kinesisStream(s string) (string, error) {
	a, err := parseARN(s)
	if err != nil {
		return "", err
	}
	return a.named("kinesis", "stream/")
}

// firehoseStream returns the delivery stream name of a Firehose ARN.
func firehoseStream(s string) (string, error) {
	a, err := parseARN(s)
	if err != nil {
		return "", err
	}
	return a.named("firehose", "deliverystream/")
}

// lambdaFunction returns the function name (and qualifier, NAME:ALIAS) of
// a Lambda ARN.
func lambdaFunction(s string) (string, error) {
	a, err := parseARN(s)
	if err != nil {
		return "", err
	}
	return a.named("lambda", "function:")
}

// s3Bucket returns the bucket of an S3 bucket ARN (arn:aws:s3:::BUCKET).
func s3Bucket(s string) (string, error) {
	a, err := parseARN(s)
	if err != nil {
		return "", err
	}
	if a.service != "s3" || strings.Contains(a.resource, "/") {
		return "", fmt.Errorf("%q is not an S3 bucket ARN (arn:aws:s3:::BUCKET)", s)
	}
	return a.resource, nil
}
