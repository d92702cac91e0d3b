package serve

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// ServiceConfig is the server's configuration file (--config): for each
// AWS service an application's ARNs name, the connector options its
// connectors get (endpoint, region, access_key_id, secret_access_key, …).
// A region given at the top applies to every service without one.
//
//	{"region": "us-east-1",
//	 "kinesis":  {"endpoint": "http://127.0.0.1:4567", "access_key_id": "…", "secret_access_key": "…"},
//	 "firehose": {"endpoint": "http://127.0.0.1:4573"},
//	 "lambda":   {"endpoint": "http://127.0.0.1:9001"},
//	 "s3":       {"endpoint": "http://127.0.0.1:9000", "anonymous": "true"}}
type ServiceConfig struct {
	Region   string            `json:"region,omitempty"`
	Kinesis  map[string]string `json:"kinesis,omitempty"`
	Firehose map[string]string `json:"firehose,omitempty"`
	Lambda   map[string]string `json:"lambda,omitempty"`
	S3       map[string]string `json:"s3,omitempty"`
}

// LoadServiceConfig reads a ServiceConfig from a JSON file; unknown keys
// are errors.
func LoadServiceConfig(path string) (ServiceConfig, error) {
	var c ServiceConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("serve: config: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("serve: config %s: %w", path, err)
	}
	return c, nil
}

// options returns the connector options of service ("kinesis",
// "firehose", "lambda", "s3"), region filled in; a fresh map.
func (c ServiceConfig) options(service string) map[string]string {
	var m map[string]string
	switch service {
	case "kinesis":
		m = c.Kinesis
	case "firehose":
		m = c.Firehose
	case "lambda":
		m = c.Lambda
	case "s3":
		m = c.S3
	}
	out := map[string]string{}
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	if _, ok := out["region"]; !ok && c.Region != "" {
		out["region"] = c.Region
	}
	return out
}
