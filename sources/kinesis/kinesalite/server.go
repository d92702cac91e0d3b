package kinesalite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Fake credentials and region the servers accept; kinesalite checks that
// requests are signed but not with which key.
const (
	AccessKeyID     = "AKIDEDDYTEST"
	SecretAccessKey = "eddy-test-secret"
	Region          = "us-east-1"
)

// Server is a running kinesalite process.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	// Client is an SDK client for the server.
	Client *kinesis.Client
}

// Dir returns the directory holding kinesalite's package.json and
// node_modules.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "kinesalite")
}

// Start runs kinesalite on 127.0.0.1 and a free port, waits until it
// answers and stops it when the test ends. It skips the test when node or
// the package is missing, unless CI=true, when it fails it.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kinesalite: %v", err)
		}
		t.Skipf("kinesalite cannot start (run .ci/setup-kinesis.sh): %v", err)
	}
	t.Cleanup(s.stop)
	return s.Server
}

type process struct {
	*Server
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func start() (*process, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not installed: %w", err)
	}
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "kinesalite")); err != nil {
		return nil, fmt.Errorf("npm package missing: %w", err)
	}
	cmd := exec.Command(node, "serve.js")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, stdin: stdin}
	portc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		portc <- strings.TrimSpace(line)
		io.Copy(io.Discard, out)
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(20 * time.Second):
	}
	if _, err := strconv.Atoi(port); err != nil {
		p.stop()
		return nil, fmt.Errorf("server printed no port (%q)", port)
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	p.Server = &Server{Endpoint: "http://" + addr, Client: NewClient("http://" + addr)}
	if err := p.wait(); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// wait polls the server until it answers ListStreams.
func (p *process) wait() error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := p.Client.ListStreams(ctx, &kinesis.ListStreamsInput{})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server does not answer: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// NewClient returns an SDK client for a server at endpoint, with the fake
// credentials.
func NewClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	})
}

// Options returns the connector options that reach the server: endpoint,
// region and the fake credentials, plus stream.
func (s *Server) Options(stream string) map[string]string {
	return map[string]string{
		"stream": stream, "endpoint": s.Endpoint, "region": Region,
		"access_key_id": AccessKeyID, "secret_access_key": SecretAccessKey,
	}
}

// CreateStream creates a stream with shards shards and waits until it is
// active.
func (s *Server) CreateStream(ctx context.Context, name string, shards int32) error {
	if _, err := s.Client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		return fmt.Errorf("kinesalite: create stream %s: %w", name, err)
	}
	return s.WaitActive(ctx, name)
}

// WaitActive waits until stream name is ACTIVE.
func (s *Server) WaitActive(ctx context.Context, name string) error {
	for {
		out, err := s.Client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("kinesalite: describe stream %s: %w", name, err)
		}
		if out.StreamDescriptionSummary.StreamStatus == "ACTIVE" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ErrNoShard is returned by SplitShard for an unknown shard.
var ErrNoShard = errors.New("kinesalite: no such shard")
