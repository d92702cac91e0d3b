package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// TestServeRefusesOpenAddressWithoutToken: any address but loopback
// needs --token-file, before anything listens.
func TestServeRefusesOpenAddressWithoutToken(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, listen string
		refused      bool
	}{
		{"all interfaces", "0.0.0.0:0", true},
		{"all IPv6 interfaces", "[::]:0", true},
		{"a host name", "example.com:0", true},
		{"loopback", "127.0.0.1:0", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := serve.CheckListen(tc.listen, false)
			if (err != nil) != tc.refused {
				t.Fatalf("CheckListen(%s) = %v, refused want %v", tc.listen, err, tc.refused)
			}
			if err := serve.CheckListen(tc.listen, true); err != nil {
				t.Fatalf("with a token: %v", err)
			}
		})
	}
	var stderr bytes.Buffer
	if code := run([]string{"serve", "--data", t.TempDir(), "--listen", "0.0.0.0:0"}, nil, io.Discard, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--token-file") {
		t.Fatalf("eddy serve --listen 0.0.0.0:0: exit %d: %s", code, stderr.String())
	}
}

// TestServeToken: with --token-file every request needs the token, as a
// bearer token or as the AWS access key id of an SDK client.
func TestServeToken(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	token := "tok-0123456789abcdef"
	s := startTestServer(t, "--data", dir, "--token-file", writeFile(t, dir, "token", token+"\n"))
	cases := []struct {
		name, path, token string
		want              int
	}{
		{"metrics without a token", "/metrics", "", 401},
		{"health without a token", "/healthz", "", 401},
		{"eddy API without a token", "/v1/applications", "", 401},
		{"eddy API with a wrong token", "/v1/applications", "tok-wrong", 401},
		{"eddy API with the token", "/v1/applications", token, 200},
		{"metrics with the token", "/metrics", token, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := httpGet(s.url+tc.path, tc.token)
			if err != nil || got != tc.want {
				t.Fatalf("GET %s: %d %v, want %d", tc.path, got, err, tc.want)
			}
		})
	}
	ctx := context.Background()
	if _, err := kdaClient(s.url, token).ListApplications(ctx, &kinesisanalytics.ListApplicationsInput{}); err != nil {
		t.Fatalf("SDK with the token as access key: %v", err)
	}
	_, err := kdaClient(s.url, "AKIDOTHER").ListApplications(ctx, &kinesisanalytics.ListApplicationsInput{})
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 401 {
		t.Fatalf("SDK with another key: %v, want 401", err)
	}
	var out bytes.Buffer
	if code := run([]string{"apps", "--server", s.url}, nil, &out, &out); code != exitFailure || !strings.Contains(out.String(), "401") {
		t.Fatalf("eddy apps without a token: exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"apps", "--server", s.url, "--token-file", filepath.Join(dir, "token")}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "NAME") {
		t.Fatalf("eddy apps --token-file: exit %d: %s", code, out.String())
	}
}

// TestServeBodyLimit: a request body over --max-body is refused.
func TestServeBodyLimit(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "--data", t.TempDir(), "--max-body", "1000")
	body := `{"name":"big","code":"` + strings.Repeat("-", 2000) + `"}`
	resp, err := http.Post(s.url+"/v1/applications", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

// submitJSON posts a submission to Eddy's API and returns the status and
// the answer.
func submitJSON(t *testing.T, base string, sub serve.Submission) (int, string) {
	t.Helper()
	data, _ := json.Marshal(sub)
	resp, err := http.Post(base+"/v1/applications", "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServePathConfinement: file paths of submitted applications, in
// bindings or in WITH clauses, stay inside --allow-path, and connectors
// that run programs are refused.
func TestServePathConfinement(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	allowed := filepath.Join(dir, "allowed")
	os.MkdirAll(allowed, 0o755)
	secret := writeFile(t, dir, "secret.jsonl", `{"A": 1}`+"\n")
	os.Symlink(dir, filepath.Join(allowed, "escape"))
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--allow-path", allowed)
	code := "CREATE OR REPLACE STREAM OUT_S (A BIGINT);\nCREATE OR REPLACE PUMP P AS INSERT INTO OUT_S SELECT STREAM A FROM IN_S;\n"
	decl := "CREATE STREAM IN_S (A BIGINT);\n"
	cases := []struct {
		name   string
		sub    serve.Submission
		refuse string // in the answer; "" accepts
	}{
		{"input outside", serve.Submission{Code: decl + code, Inputs: map[string]map[string]string{"IN_S": {"connector": "file", "path": secret}}}, "outside the allowed"},
		{"dot-dot out of the allowed directory", serve.Submission{Code: decl + code, Inputs: map[string]map[string]string{"IN_S": {"connector": "file", "path": allowed + "/../secret.jsonl"}}}, "outside the allowed"},
		{"symbolic link out of it", serve.Submission{Code: decl + code, Inputs: map[string]map[string]string{"IN_S": {"connector": "file", "path": allowed + "/escape/secret.jsonl"}}}, "outside the allowed"},
		{"output outside", serve.Submission{Code: decl + code, Outputs: map[string]map[string]string{"OUT_S": {"connector": "file", "path": filepath.Join(dir, "stolen.jsonl")}}}, "outside the allowed"},
		{"a program as destination", serve.Submission{Code: decl + code, Outputs: map[string]map[string]string{"OUT_S": {"connector": "function", "command": "touch " + filepath.Join(dir, "pwned")}}}, "runs a program"},
		{"standard input", serve.Submission{Code: decl + code, Inputs: map[string]map[string]string{"IN_S": {"connector": "stdin"}}}, "stdin"},
		{"inside", serve.Submission{Code: decl + code, Inputs: map[string]map[string]string{"IN_S": {"connector": "file", "path": filepath.Join(allowed, "in.jsonl")}}}, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.sub.Name = "app" + string(rune('a'+i))
			status, answer := submitJSON(t, s.url, tc.sub)
			if tc.refuse == "" {
				if status != 200 {
					t.Fatalf("refused: %d %s", status, answer)
				}
				return
			}
			if status != 400 || !strings.Contains(answer, tc.refuse) || !strings.Contains(answer, "InvalidArgumentException") {
				t.Fatalf("answer %d %s, want 400 naming %q", status, answer, tc.refuse)
			}
		})
	}
	// A WITH clause in the code is checked when the job opens its source:
	// the application fails with the reason, and reads nothing.
	status, answer := submitJSON(t, s.url, serve.Submission{Name: "with_clause", Start: "NOW",
		Code: "CREATE STREAM IN_S (A BIGINT) WITH (connector = 'file', path = '" + secret + "');\n" + code})
	if status != 200 {
		t.Fatalf("submit: %d %s", status, answer)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		info := appInfo(t, s.url, "with_clause", "")
		if info.Status == serve.StatusReady && info.LastError != "" {
			if !strings.Contains(info.LastError, "outside the allowed") {
				t.Fatalf("last error %q", info.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("application with a WITH path outside did not fail: %+v", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("a program ran")
	}
}

// TestServeSecretsRedacted: secret options never come back, neither from
// Eddy's API nor from KDA's Describe, and the stored configuration is
// readable by the owner only.
func TestServeSecretsRedacted(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	s := startTestServer(t, "--data", dir)
	const secret = "sup3r-s3cret-pa55word"
	status, answer := submitJSON(t, s.url, serve.Submission{Name: "kafka_app",
		Code:   "CREATE STREAM IN_S (A BIGINT);\nCREATE OR REPLACE STREAM OUT_S (A BIGINT);\nCREATE OR REPLACE PUMP P AS INSERT INTO OUT_S SELECT STREAM A FROM IN_S;\n",
		Inputs: map[string]map[string]string{"IN_S": {"connector": "kafka", "topic": "t", "brokers": "127.0.0.1:1", "sasl_mechanism": "PLAIN", "sasl_username": "u", "sasl_password": secret}},
	})
	if status != 200 || strings.Contains(answer, secret) || !strings.Contains(answer, `"sasl_password":"***"`) {
		t.Fatalf("submit answer %d %s", status, answer)
	}
	for _, path := range []string{"/v1/applications/kafka_app", "/v1/applications"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), secret) {
			t.Fatalf("GET %s shows the secret: %s", path, b)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.url, strings.NewReader(`{"ApplicationName":"kafka_app"}`))
	req.Header.Set("X-Amz-Target", "KinesisAnalytics_20150814.DescribeApplication")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(b), secret) || !strings.Contains(string(b), `"ApplicationName":"kafka_app"`) {
		t.Fatalf("DescribeApplication %d: %s", resp.StatusCode, b)
	}
	fi, err := os.Stat(filepath.Join(dir, "apps", "kafka_app", "app.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("app.json: %v, mode %v", err, fi.Mode())
	}
}

// TestServeTLS serves HTTPS with --tls-cert and --tls-key.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %s", s.url)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := http.Get(strings.Replace(s.url, "https://", "http://", 1) + "/healthz"); err == nil {
		// A plain HTTP request to a TLS port gets a 400 from Go's server,
		// never the API.
		resp, _ := http.Get(strings.Replace(s.url, "https://", "http://", 1) + "/v1/applications")
		if resp != nil && resp.StatusCode == 200 {
			t.Fatal("plain HTTP served the API")
		}
	}
	var out bytes.Buffer
	if code := run([]string{"apps", "--server", s.url, "--ca-file", certFile}, nil, &out, &out); code != 0 {
		t.Fatalf("eddy apps over TLS: exit %d: %s", code, out.String())
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eddy test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile = writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
