package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
	"github.com/eddy-sql/eddy/cmd/eddy/serve/console"
	"github.com/eddy-sql/eddy/planner"
)

// serveUsage is the help of eddy serve.
const serveUsage = `usage: eddy serve --data DIR [flags]
  --data DIR                 applications, their configuration and checkpoints (required)
  --listen HOST:PORT         the address to serve on (default 127.0.0.1:8080); any address but
                             loopback needs --token-file
  --config FILE              JSON: per-service connector options for ARNs (region, and for
                             kinesis, firehose, lambda, s3: endpoint, credentials, …)
  --token-file FILE          require this token on every request (Authorization: Bearer TOKEN;
                             AWS clients: the token as AWS_ACCESS_KEY_ID)
  --tls-cert FILE --tls-key FILE
                             serve HTTPS
  --allow-path DIR           file paths of applications must lie in DIR (repeatable; none: no
                             file paths at all)
  --checkpoint-interval D    default checkpoint_interval of applications (10s)
  --history-interval D       how often the console's charts sample each application (10s;
                             the last 360 samples are kept)
  --max-body BYTES           the largest request body (1048576)
  --stop-timeout DURATION    on SIGINT or SIGTERM, wait this long for jobs to checkpoint (30s)
  --log-format text|json     structured logs on stderr (default text)
APIs: the Kinesis Data Analytics API (aws kinesisanalytics --endpoint-url URL …), Eddy's own
under /v1/applications (eddy submit, apps, stop, logs), /v1/discover (a source's columns from
its options), /v1/connectors, /metrics, /healthz, /readyz.
`

// newServeConnectors returns the connectors of one served application:
// the registries', secrets remembered by the application's redactor.
func newServeConnectors(r *planner.Redactor) planner.Connectors {
	reg := &registryConnectors{alloc: memory.NewGoAllocator(), clock: time.Now, stdout: stdoutTarget{w: io.Discard}, defaults: map[string]string{}}
	return &checkedConnectors{Connectors: reg, redact: r, sinks: &sinkTracker{clock: time.Now}}
}

// server is a running eddy serve.
type server struct {
	mgr         *serve.Manager
	http        *http.Server
	url         string
	log         *slog.Logger
	errc        chan error
	stopTimeout time.Duration
}

// startServer parses the flags of eddy serve, loads the applications,
// listens and resumes the applications that were running. An error is a
// usage error when usage is true.
func startServer(args []string, stderr io.Writer) (s *server, usage bool, err error) {
	fs, err := parseFlags(args, []string{"data", "listen", "config", "token-file", "tls-cert", "tls-key", "allow-path", "checkpoint-interval", "history-interval", "max-body", "stop-timeout", "log-format"}, nil)
	if err != nil {
		return nil, true, err
	}
	if len(fs.args) > 0 {
		return nil, true, fmt.Errorf("unexpected argument %q", fs.args[0])
	}
	dir := fs.last("data", "")
	if dir == "" {
		return nil, true, errors.New("--data DIR is required")
	}
	var handler slog.Handler
	switch fs.last("log-format", "text") {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		return nil, true, fmt.Errorf("--log-format %q: want text or json", fs.last("log-format", ""))
	}
	log := slog.New(handler)
	token := ""
	if f := fs.last("token-file", ""); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, true, fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(data))
		if len(token) < 16 {
			return nil, true, fmt.Errorf("--token-file %s: the token must be at least 16 characters", f)
		}
	}
	addr := fs.last("listen", "127.0.0.1:8080")
	if err := serve.CheckListen(addr, token != ""); err != nil {
		return nil, true, err
	}
	cert, key := fs.last("tls-cert", ""), fs.last("tls-key", "")
	if (cert == "") != (key == "") {
		return nil, true, errors.New("--tls-cert and --tls-key go together")
	}
	var services serve.ServiceConfig
	if f := fs.last("config", ""); f != "" {
		if services, err = serve.LoadServiceConfig(f); err != nil {
			return nil, true, err
		}
	}
	maxBody := int64(serve.DefaultMaxBody)
	if v := fs.last("max-body", ""); v != "" {
		if maxBody, err = strconv.ParseInt(v, 10, 64); err != nil || maxBody <= 0 {
			return nil, true, fmt.Errorf("--max-body %q: want a number of bytes", v)
		}
	}
	stopTimeout := 30 * time.Second
	if v := fs.last("stop-timeout", ""); v != "" {
		if stopTimeout, err = time.ParseDuration(v); err != nil || stopTimeout <= 0 {
			return nil, true, fmt.Errorf("--stop-timeout %q: want a duration such as 30s", v)
		}
	}
	interval := fs.last("checkpoint-interval", "")
	if interval != "" {
		if d, err := time.ParseDuration(interval); err != nil || d <= 0 {
			return nil, true, fmt.Errorf("--checkpoint-interval %q: want a duration such as 10s", interval)
		}
	}
	var sampleEvery time.Duration
	if v := fs.last("history-interval", ""); v != "" {
		if sampleEvery, err = time.ParseDuration(v); err != nil || sampleEvery <= 0 {
			return nil, true, fmt.Errorf("--history-interval %q: want a duration such as 10s", v)
		}
	}
	mgr, err := serve.NewManager(serve.Options{
		Dir: dir, Connectors: newServeConnectors, Services: services, AllowPaths: fs.values["allow-path"],
		Logger: log, Region: services.Region, CheckpointInterval: interval, SampleInterval: sampleEvery,
	})
	if err != nil {
		return nil, false, err
	}
	var tlsConfig *tls.Config
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, true, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	scheme := "http"
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https"
	}
	web := console.Handler(serve.Handler(mgr, serve.HandlerOptions{Token: token, MaxBody: maxBody, Logger: log}), console.Options{Token: token, Live: mgr})
	s = &server{
		mgr: mgr, url: scheme + "://" + ln.Addr().String(), log: log, errc: make(chan error, 1), stopTimeout: stopTimeout,
		http: &http.Server{
			Handler:           web,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
		},
	}
	s.http.RegisterOnShutdown(web.Close) // open live views end
	go func() { s.errc <- s.http.Serve(ln) }()
	log.Info("listening", "url", s.url, "data", dir, "authenticated", token != "", "tls", tlsConfig != nil)
	mgr.Resume()
	return s, false, nil
}

// shutdown stops serving and stops every job (they resume at the next
// start), waiting at most the stop timeout.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.stopTimeout)
	defer cancel()
	herr := s.http.Shutdown(ctx)
	merr := s.mgr.Close(ctx)
	return errors.Join(herr, merr)
}

func cmdServe(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, serveUsage)
			return exitOK
		}
	}
	s, usage, err := startServer(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "eddy serve: %v\n", err)
		if usage {
			return exitUsage
		}
		return exitFailure
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case sig := <-sigs:
		s.log.Info("stopping: the running applications resume at the next start", "signal", signalName(sig))
		if err := s.shutdown(); err != nil {
			s.log.Error("stop", "error", err.Error())
			return exitFailure
		}
		return signalExit(sig)
	case err := <-s.errc:
		s.log.Error("serving", "error", err.Error())
		s.mgr.Close(context.Background())
		return exitFailure
	}
}
