package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// selfSigned makes a certificate for 127.0.0.1 and writes its PEM to dir.
func selfSigned(t *testing.T, dir string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eddy-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, _ := x509.MarshalECPrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return pair, ca
}

// TestSourceOverTLSWithSASL reads from a broker that requires TLS and SASL
// (PLAIN and SCRAM-SHA-256), and is refused with a wrong password.
func TestSourceOverTLSWithSASL(t *testing.T) {
	t.Parallel()
	pair, ca := selfSigned(t, t.TempDir())
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "secure"),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "plainuser", "plainpass"),
		kfake.Superuser("SCRAM-SHA-256", "scramuser", "scrampass"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kfake with TLS and SASL did not start: %v", err)
		}
		t.Skipf("kfake with TLS and SASL did not start: %v", err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	clientTLS := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test's own broker
	for _, mech := range []sasl.Mechanism{plain.Auth{User: "plainuser", Pass: "plainpass"}.AsMechanism()} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTLSConfig(clientTLS), kgo.SASL(mech), kgo.ProducerLinger(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		for i := 0; i < 5; i++ {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "secure", Value: []byte(bid(int64(i), 1, 100, time.Unix(int64(i), 0)))}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		cl.Close()
	}
	declared := arrow.NewSchema([]arrow.Field{{Name: "AUCTION", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	cases := []struct {
		name, mech, user, pass string
		fail                   bool
	}{
		{name: "plain", mech: "plain", user: "plainuser", pass: "plainpass"},
		{name: "scram-sha-256", mech: "scram-sha-256", user: "scramuser", pass: "scrampass"},
		{name: "wrong password", mech: "plain", user: "plainuser", pass: "nope", fail: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src, err := New(context.Background(), testEnv(mem, declared, nil), map[string]string{
				"brokers": addr, "topic": "secure", "start": "earliest", "stop_at_end": "true",
				"tls": "true", "tls_ca": ca, "tls_server_name": "127.0.0.1",
				"sasl_mechanism": tc.mech, "sasl_username": tc.user, "sasl_password": tc.pass,
			})
			if err != nil {
				if tc.fail {
					return // refused at connect
				}
				t.Fatal(err)
			}
			defer src.Close()
			if tc.fail {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				for {
					b, err := src.Next(ctx)
					if err != nil {
						return // refused, as it must be
					}
					n := b.NumRows()
					b.Release()
					if n > 0 {
						t.Fatal("rows were read with a wrong password")
					}
				}
			}
			rows := readRows(t, src, 5, 20*time.Second)
			if len(rows) != 5 {
				t.Fatalf("read %d rows over TLS with SASL %s, want 5", len(rows), tc.mech)
			}
		})
	}
}
