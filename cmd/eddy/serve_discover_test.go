package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// postJSON posts v to url with an optional bearer token and returns the
// status and body.
func postJSON(t *testing.T, url, token string, v any) (int, string) {
	t.Helper()
	data, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeDiscover samples files through POST /v1/discover of a real
// eddy serve with a token: a JSON-lines file's columns and types, a CSV
// file's header, a path outside --allow-path refused, bad options and an
// empty file answered with clear errors, and the token required.
func TestServeDiscover(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	allowed := filepath.Join(dir, "allowed")
	os.MkdirAll(allowed, 0o755)
	token := "tok-discover-0123456789"
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--allow-path", allowed, "--token-file", writeFile(t, dir, "token", token))
	orders := writeFile(t, allowed, "orders.jsonl", `{"order_id": 1, "customer": "ann", "amount": 12.5, "placed": "2024-05-01 10:00:00", "paid": true}
{"order_id": 2, "customer": "bob", "amount": 7.25, "placed": "2024-05-01 10:00:01", "paid": false}
`)
	ticks := writeFile(t, allowed, "ticks.csv", "SYMBOL,PRICE\nAMZN,101.5\nMSFT,99.25\n")
	outside := writeFile(t, dir, "outside.jsonl", `{"A": 1}`+"\n")
	empty := writeFile(t, allowed, "empty.jsonl", "")

	cases := []struct {
		name       string
		req        serve.DiscoverRequest
		status     int
		columns    string // name type, …
		options    map[string]string
		create     []string // substrings of create_stream
		errType    string
		errMessage string
	}{
		{name: "json lines file", req: serve.DiscoverRequest{Name: "ORDERS", Options: map[string]string{"Connector": "file", "path": orders}},
			status: 200, columns: `order_id BIGINT, customer VARCHAR(16), amount DOUBLE, placed TIMESTAMP, paid BOOLEAN`,
			options: map[string]string{"connector": "file", "path": orders, "format": "json"},
			create:  []string{`CREATE OR REPLACE STREAM ORDERS (`, `"customer" VARCHAR(16),`, `WITH (connector = 'file', format = 'json', path = '` + orders + `')`}},
		{name: "csv header found", req: serve.DiscoverRequest{Options: map[string]string{"connector": "file", "path": ticks}},
			status: 200, columns: `SYMBOL VARCHAR(16), PRICE DOUBLE`,
			options: map[string]string{"connector": "file", "path": ticks, "format": "csv", "header": "true"},
			create:  []string{`CREATE OR REPLACE STREAM SOURCE_SQL_STREAM_001 (`, `header = 'true'`}},
		{name: "path outside allow-path", req: serve.DiscoverRequest{Options: map[string]string{"connector": "file", "path": outside}},
			status: 400, errType: "InvalidArgumentException", errMessage: "outside the allowed directories"},
		{name: "stdin refused", req: serve.DiscoverRequest{Options: map[string]string{"connector": "stdin"}},
			status: 400, errType: "InvalidArgumentException", errMessage: "not allowed: the stdin connector"},
		{name: "unknown option", req: serve.DiscoverRequest{Options: map[string]string{"connector": "file", "path": orders, "colour": "red"}},
			status: 400, errType: "InvalidArgumentException", errMessage: `unknown option "colour"`},
		{name: "no connector", req: serve.DiscoverRequest{Options: map[string]string{"path": orders}},
			status: 400, errType: "InvalidArgumentException", errMessage: "options need a connector"},
		{name: "empty file", req: serve.DiscoverRequest{Options: map[string]string{"connector": "file", "path": empty}},
			status: 400, errType: "UnableToDetectSchemaException", errMessage: "discover: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, body := postJSON(t, s.url+"/v1/discover", token, tc.req)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.status != 200 {
				var e struct{ Error, Message string }
				json.Unmarshal([]byte(body), &e)
				if e.Error != tc.errType || !strings.Contains(e.Message, tc.errMessage) {
					t.Errorf("error %s %q, want %s containing %q", e.Error, e.Message, tc.errType, tc.errMessage)
				}
				return
			}
			var res serve.DiscoverResult
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				t.Fatal(err)
			}
			var cols []string
			for _, c := range res.Columns {
				cols = append(cols, c.Name+" "+c.Type)
			}
			if got := strings.Join(cols, ", "); got != tc.columns {
				t.Errorf("columns %s, want %s", got, tc.columns)
			}
			for k, v := range tc.options {
				if res.Options[k] != v {
					t.Errorf("options[%s] = %q, want %q (all: %v)", k, res.Options[k], v, res.Options)
				}
			}
			for _, want := range tc.create {
				if !strings.Contains(res.CreateStream, want) {
					t.Errorf("create_stream %q does not contain %q", res.CreateStream, want)
				}
			}
		})
	}

	t.Run("token required", func(t *testing.T) {
		t.Parallel()
		status, _ := postJSON(t, s.url+"/v1/discover", "", serve.DiscoverRequest{Options: map[string]string{"connector": "file", "path": orders}})
		if status != http.StatusUnauthorized {
			t.Errorf("without the token: %d, want 401", status)
		}
	})
	t.Run("connectors listed with their options", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/connectors", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var cat map[string][]serve.ConnectorInfo
		if err := json.NewDecoder(resp.Body).Decode(&cat); err != nil {
			t.Fatal(err)
		}
		find := func(list []serve.ConnectorInfo, name string) *serve.ConnectorInfo {
			for i := range list {
				if list[i].Name == name {
					return &list[i]
				}
			}
			return nil
		}
		file := find(cat["sources"], "file")
		if file == nil || !file.Discover || file.Target != "path" {
			t.Fatalf("sources lack a file connector that discovers: %+v", file)
		}
		var path, rowtime bool
		for _, o := range file.Options {
			path = path || o.Name == "path" && o.Required && o.Doc != ""
			rowtime = rowtime || o.Name == "rowtime"
		}
		if !path || !rowtime {
			t.Errorf("file source options lack a required documented path or the common rowtime: %+v", file.Options)
		}
		if k := find(cat["sources"], "kafka"); k == nil {
			t.Error("no kafka source listed")
		} else {
			secret := false
			for _, o := range k.Options {
				secret = secret || o.Name == "sasl_password" && o.Secret
			}
			if !secret {
				t.Error("kafka's sasl_password is not marked secret")
			}
		}
		if find(cat["destinations"], "stdout") == nil {
			t.Error("no stdout destination listed")
		}
	})
}

// TestServeDiscoverKafkaSecrets samples a topic of a SASL-protected
// Kafka-protocol broker (kfake) through POST /v1/discover: the password
// never comes back, an application's input stored with it can be
// sampled by a page that only saw it redacted, and saving the
// application with the redacted value keeps the stored password.
func TestServeDiscoverKafkaSecrets(t *testing.T) {
	t.Parallel()
	const user, pass = "eddy", "s3cr3t-pa55word"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"), kfake.EnableSASL(), kfake.Superuser("PLAIN", user, pass))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	broker := c.ListenAddrs()[0]
	producer, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	for i, rec := range []string{`{"ID": 1, "ITEM": "tea", "QTY": 2}`, `{"ID": 2, "ITEM": "coffee", "QTY": 1}`, `{"ID": 3, "ITEM": "cake", "QTY": 5}`} {
		if err := producer.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte(rec), Key: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	dir := tempDir(t)
	s := startTestServer(t, "--data", dir)
	opts := map[string]string{"connector": "kafka", "brokers": broker, "topic": "orders", "format": "json",
		"sasl_mechanism": "plain", "sasl_username": user, "sasl_password": pass}
	status, body := postJSON(t, s.url+"/v1/discover", "", serve.DiscoverRequest{Name: "ORDERS", Options: opts})
	if status != 200 {
		t.Fatalf("discover: %d %s", status, body)
	}
	if strings.Contains(body, pass) {
		t.Errorf("the answer shows the password: %s", body)
	}
	var res serve.DiscoverResult
	json.Unmarshal([]byte(body), &res)
	if len(res.Columns) < 3 || res.Columns[0].Name != "ID" || res.Columns[1].Name != "ITEM" || res.Columns[2].Name != "QTY" {
		t.Errorf("columns %+v, want ID, ITEM, QTY first", res.Columns)
	}
	if res.Options["sasl_password"] != "***" || !strings.Contains(res.CreateStream, "sasl_password = '***'") {
		t.Errorf("password not redacted: options %v, create %q", res.Options, res.CreateStream)
	}

	// A wrong password fails, and the error does not show it either.
	wrong := map[string]string{}
	for k, v := range opts {
		wrong[k] = v
	}
	wrong["sasl_password"] = "not-the-password-42"
	if status, body := postJSON(t, s.url+"/v1/discover", "", serve.DiscoverRequest{Options: wrong}); status == 200 || strings.Contains(body, "not-the-password-42") {
		t.Errorf("wrong password: %d %s", status, body)
	}

	// Stored with an application, the input is sampled from the page's
	// redacted copy.
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "shop", Code: "CREATE STREAM OUT_S (ID BIGINT);", Inputs: map[string]map[string]string{"ORDERS": opts},
		Outputs: map[string]map[string]string{"OUT_S": {"connector": "discard"}}}); status != 200 {
		t.Fatalf("submit: %d %s", status, answer)
	}
	redacted := map[string]string{}
	for k, v := range opts {
		redacted[k] = v
	}
	redacted["sasl_password"] = "***"
	if status, body := postJSON(t, s.url+"/v1/discover", "", serve.DiscoverRequest{Application: "shop", Name: "ORDERS", Options: redacted}); status != 200 {
		t.Errorf("discover from the redacted copy: %d %s", status, body)
	}
	if status, body := postJSON(t, s.url+"/v1/discover", "", serve.DiscoverRequest{Options: redacted}); status != 400 || !strings.Contains(body, "redacted value") {
		t.Errorf("redacted password without an application: %d %s", status, body)
	}

	// Saving with the redacted value keeps the password on disk.
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "shop", Code: "CREATE STREAM OUT_S (ID BIGINT, N INTEGER);", Replace: true,
		Inputs: map[string]map[string]string{"ORDERS": redacted}, Outputs: map[string]map[string]string{"OUT_S": {"connector": "discard"}}}); status != 200 {
		t.Fatalf("replace: %d %s", status, answer)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "apps", "shop", "app.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(stored), pass) || strings.Contains(string(stored), `"***"`) || !strings.Contains(string(stored), "N INTEGER") {
		t.Errorf("after saving the redacted value the stored application is:\n%s", stored)
	}
	// A new application cannot be given the marker for a secret.
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "fresh", Code: "CREATE STREAM OUT_S (ID BIGINT);", Inputs: map[string]map[string]string{"ORDERS": redacted},
		Outputs: map[string]map[string]string{"OUT_S": {"connector": "discard"}}}); status != 400 || !strings.Contains(answer, "sasl_password") {
		t.Errorf("new application with a redacted secret: %d %s", status, answer)
	}
}
