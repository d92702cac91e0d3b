package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/cmd/eddy/discovery"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// secret is the password every test here hides; no output may contain it.
const secret = "hunter2-s3cr3t"

// TestRedactionHelpers pins planner's redaction functions, which every
// message of cmd goes through.
func TestRedactionHelpers(t *testing.T) {
	t.Parallel()
	secretKeys := []string{"sasl_password", "SASL_USERNAME", "sasl_mechanism", "password", "db_password", "secret_access_key",
		"aws_secret_access_key", "aws_access_key_id", "access_key_id", "session_token", "token", "client_secret"}
	for _, k := range secretKeys {
		if !planner.IsSecretOption(k) {
			t.Errorf("%s is not taken for a secret", k)
		}
	}
	for _, k := range []string{"brokers", "topic", "path", "format", "region", "tls_server_name", "connector"} {
		if planner.IsSecretOption(k) {
			t.Errorf("%s is taken for a secret", k)
		}
	}
	cases := []struct {
		name, got, want string
	}{
		{"binding query", planner.RedactBinding("S=kafka:t?brokers=b:9092&sasl_password=" + secret + "&sasl_username=me"),
			"S=kafka:t?brokers=b:9092&sasl_password=***&sasl_username=***"},
		{"escaped key", planner.RedactBinding("kafka:t?SASL%5Fpassword=" + secret), "kafka:t?SASL%5Fpassword=***"},
		{"URL password", planner.RedactBinding("O=firehose:https://me:" + secret + "@host/x"), "O=firehose:https://me:***@host/x"},
		{"WITH clause", planner.RedactSQL("CREATE STREAM s (a INT) WITH ('sasl_password' = '" + secret + "', topic = 't', aws_secret_access_key='it''s');"),
			"CREATE STREAM s (a INT) WITH ('sasl_password' = '***', topic = 't', aws_secret_access_key='***');"},
		{"options", planner.FormatOptions(map[string]string{"topic": "t", "session_token": secret}), "session_token = '***', topic = 't'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got  %q\nwant %q", tc.got, tc.want)
			}
		})
	}
	t.Run("caret stays on its character", func(t *testing.T) {
		text := "CREATE STREAM s (a INT) WITH (sasl_password = '" + secret + "', bogus = 'x');"
		src := &sql.Source{Name: "app.sql", Text: text}
		e := src.Errorf(sql.Pos(strings.Index(text, "bogus")), "unknown option %q", "bogus")
		got := planner.PrettyError(e, nil)
		want := "app.sql:1:" + strconv.Itoa(strings.Index(text, "bogus")+1) + ": unknown option \"bogus\"\n" +
			"  CREATE STREAM s (a INT) WITH (sasl_password = '***', bogus = 'x');\n" +
			"  " + strings.Repeat(" ", strings.Index(text, "bogus")-len(secret)+3) + "^"
		if got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("remembered values", func(t *testing.T) {
		var r planner.Redactor
		r.Add(map[string]string{"sasl_password": secret, "sasl_mechanism": "plain", "topic": "plain-topic"})
		got := r.Text(`kafka: login with "` + secret + `" failed; sasl_mechanism "plain": use plain; topic plain-topic`)
		want := `kafka: login with "***" failed; sasl_mechanism "***": use plain; topic plain-topic`
		if got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})
}

// TestSecretsNeverPrinted is the user's bug: a malformed --input (or
// \input) printed the whole option string, sasl_password included. Every
// path that prints options or bindings is checked.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", "CREATE STREAM s (a INT);\nSELECT STREAM a FROM s;\n")
	withSecret := writeFile(t, dir, "with.sql", "CREATE STREAM s (a INT) WITH (connector = 'file', path = 'x.jsonl',\n  sasl_password = '"+secret+"');\nSELECT STREAM a FROM s;\n")
	explain := writeFile(t, dir, "explain.sql", "EXPLAIN CREATE STREAM k (a INT) WITH (connector = 'kafka', topic = 't', sasl_password = '"+secret+"');\n")
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"binding without NAME=", []string{"run", app, "--input", "kafka:topic?brokers=b:9092&sasl_password=" + secret}, 2, "sasl_password=***"},
		{"binding with a bad escape", []string{"run", app, "--input", "S=kafka:topic?sasl_password=" + secret + "%zz&x=1"}, 2, "sasl_password=***"},
		{"binding on a connector without target", []string{"run", app, "--output", "O=stdout:https://me:" + secret + "@host"}, 2, "me:***@host"},
		{"unknown option in a binding", []string{"run", app, "--input", "S=file:x.jsonl?sasl_password=" + secret}, 2, `unknown option "sasl_password"`},
		{"unknown option in a WITH clause", []string{"run", withSecret}, 2, "sasl_password = '***'"},
		{"EXPLAIN", []string{"run", explain}, 0, "'sasl_password' = '***'"},
		{"discover", []string{"discover", "kafka:topic?sasl_password=" + secret + "&sasl_mechanism=nope&brokers=127.0.0.1:1"}, 1, "eddy discover"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run(tc.args, strings.NewReader(""), &out, &errb)
			all := out.String() + errb.String()
			if strings.Contains(all, secret) {
				t.Errorf("the secret was printed:\n%s", all)
			}
			if code != tc.code || !strings.Contains(all, tc.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, all, tc.code, tc.want)
			}
		})
	}
	t.Run("REPL input binding and echo", func(t *testing.T) {
		t.Parallel()
		script := "\\input S kafka:topic?brokers=127.0.0.1:1&sasl_password=" + secret + "\n" +
			"\\input kafka:topic?sasl_password=" + secret + "\n" +
			"\\output O stdout:x?sasl_password=" + secret + "\n" +
			"\\explain CREATE STREAM k (a INT) WITH (connector = 'kafka', topic = 't', sasl_password = '" + secret + "')\n" +
			"CREATE STREAM bad (a INT) WITH (connector = 'kafka', topic = 't', sasl_password = '" + secret + "', nope = 'x');\n"
		var out bytes.Buffer
		code := cmdRepl([]string{"--history="}, strings.NewReader(script), &out, &out)
		if strings.Contains(out.String(), secret) {
			t.Errorf("the secret was printed:\n%s", out.String())
		}
		for _, want := range []string{"input S bound to kafka:topic?brokers=127.0.0.1:1&sasl_password=***", "'sasl_password' = '***'"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
		if code != 2 {
			t.Errorf("exit %d, want 2 (statements failed)", code)
		}
	})
	t.Run("discover output", func(t *testing.T) {
		t.Parallel()
		got := discovery.CreateStream("S", nil, map[string]string{"connector": "kafka", "sasl_password": secret})
		if strings.Contains(got, secret) || !strings.Contains(got, "sasl_password = '***'") {
			t.Errorf("discover printed:\n%s", got)
		}
	})
}
