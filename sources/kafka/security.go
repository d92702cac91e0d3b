package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/eddy-sql/eddy/sources"
)

// ConnOptions returns the options that say how to reach a Kafka cluster:
// the brokers, TLS and SASL. The destination connector shares them.
func ConnOptions() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "brokers", Required: true, Doc: "bootstrap brokers, comma separated host:port"},
		{Name: "client_id", Default: "eddy", Doc: "the client id sent to the brokers"},
		{Name: "tls", Kind: sources.KindBool, Default: "false", Doc: "connect with TLS"},
		{Name: "tls_ca", Doc: "PEM file of the CA certificates to trust (default: the system's)"},
		{Name: "tls_cert", Doc: "PEM file of a client certificate (with tls_key)"},
		{Name: "tls_key", Doc: "PEM file of the client certificate's key"},
		{Name: "tls_server_name", Doc: "the server name to verify (default: the broker's host)"},
		{Name: "tls_insecure", Kind: sources.KindBool, Default: "false", Doc: "do not verify the broker's certificate (tests only)"},
		{Name: "sasl_mechanism", Doc: "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (default: none)"},
		{Name: "sasl_username", Doc: "SASL user name"},
		{Name: "sasl_password", Doc: "SASL password"},
	}
}

// Conn is how to reach a Kafka cluster, read from the ConnOptions.
type Conn struct {
	Brokers  []string
	ClientID string
	TLS      *tls.Config    // nil: plain TCP
	SASL     sasl.Mechanism // nil: no authentication
}

// ParseConn reads the ConnOptions from validated options.
func ParseConn(opts sources.Options) (Conn, error) {
	var c Conn
	for _, b := range strings.Split(opts.String("brokers"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.Brokers = append(c.Brokers, b)
		}
	}
	if len(c.Brokers) == 0 {
		return c, fmt.Errorf("kafka: %w: brokers is empty", sources.ErrOption)
	}
	c.ClientID = opts.String("client_id")
	if c.ClientID == "" {
		c.ClientID = "eddy"
	}
	var err error
	if c.TLS, err = tlsConfig(opts); err != nil {
		return c, err
	}
	if c.SASL, err = saslMechanism(opts); err != nil {
		return c, err
	}
	return c, nil
}

func tlsConfig(opts sources.Options) (*tls.Config, error) {
	if !opts.Bool("tls") {
		for _, k := range []string{"tls_ca", "tls_cert", "tls_key", "tls_server_name"} {
			if opts.String(k) != "" {
				return nil, fmt.Errorf("kafka: %w: %s needs tls = true", sources.ErrOption, k)
			}
		}
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         opts.String("tls_server_name"),
		InsecureSkipVerify: opts.Bool("tls_insecure"), //nolint:gosec // an explicit option for tests
	}
	if ca := opts.String("tls_ca"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("kafka: tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka: tls_ca %s: no PEM certificate in it", ca)
		}
		cfg.RootCAs = pool
	}
	cert, key := opts.String("tls_cert"), opts.String("tls_key")
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("kafka: %w: tls_cert and tls_key go together", sources.ErrOption)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("kafka: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

func saslMechanism(opts sources.Options) (sasl.Mechanism, error) {
	user, pass := opts.String("sasl_username"), opts.String("sasl_password")
	switch m := strings.ToLower(strings.TrimSpace(opts.String("sasl_mechanism"))); m {
	case "", "none":
		if user != "" {
			return nil, fmt.Errorf("kafka: %w: sasl_username needs sasl_mechanism", sources.ErrOption)
		}
		return nil, nil
	case "plain":
		return plain.Mechanism{Username: user, Password: pass}, nil
	case "scram-sha-256", "scram-sha-512":
		algo := scram.SHA256
		if m == "scram-sha-512" {
			algo = scram.SHA512
		}
		mech, err := scram.Mechanism(algo, user, pass)
		if err != nil {
			return nil, fmt.Errorf("kafka: sasl: %w", err)
		}
		return mech, nil
	default:
		return nil, fmt.Errorf("kafka: %w: sasl_mechanism %q: use plain, scram-sha-256 or scram-sha-512", sources.ErrOption, m)
	}
}

// Dialer returns a kafka-go dialer for c (readers and consumer groups).
func (c Conn) Dialer() *kafkago.Dialer {
	return &kafkago.Dialer{
		ClientID: c.ClientID, Timeout: 10 * time.Second, DualStack: true,
		TLS: c.TLS, SASLMechanism: c.SASL,
	}
}

// Transport returns a kafka-go transport for c (clients and writers).
func (c Conn) Transport() *kafkago.Transport {
	return &kafkago.Transport{
		ClientID: c.ClientID, DialTimeout: 10 * time.Second,
		TLS: c.TLS, SASL: c.SASL, MetadataTTL: 5 * time.Second,
	}
}

// Client returns a kafka-go client for c.
func (c Conn) Client() *kafkago.Client {
	return &kafkago.Client{Addr: kafkago.TCP(c.Brokers...), Transport: c.Transport(), Timeout: 10 * time.Second}
}
