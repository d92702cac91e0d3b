// Command fnprog is a function for the command invoker's tests: it reads a
// KDA output delivery event on stdin, appends it to the log file named by
// its second argument, and answers according to its first argument (see
// answer in the tests' scenario table).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: fnprog MODE LOGFILE")
		os.Exit(2)
	}
	mode, logPath := os.Args[1], os.Args[2]
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Write(append(raw, '\n'))
	f.Close()
	var ev events.KinesisAnalyticsOutputDeliveryEvent
	var hints struct {
		Records []struct {
			Meta struct {
				RetryHint int `json:"retryHint"`
			} `json:"lambdaDeliveryRecordMetadata"`
		} `json:"records"`
	}
	if json.Unmarshal(raw, &ev) != nil || json.Unmarshal(raw, &hints) != nil {
		fmt.Fprintln(os.Stderr, "bad event")
		os.Exit(1)
	}
	var resp events.KinesisAnalyticsOutputDeliveryResponse
	for i, r := range ev.Records {
		res := events.KinesisAnalyticsOutputDeliveryOK
		id, _ := strconv.Atoi(r.RecordID)
		switch mode {
		case "error":
			fmt.Fprintln(os.Stderr, "boom")
			os.Exit(3)
		case "slow":
			time.Sleep(3 * time.Second)
		case "fail-odd-once":
			if id%2 == 1 && hints.Records[i].Meta.RetryHint == 0 {
				res = events.KinesisAnalyticsOutputDeliveryFailed
			}
		case "fail-two":
			if id == 2 {
				res = events.KinesisAnalyticsOutputDeliveryFailed
			}
		case "drop-three":
			if id == 3 {
				continue
			}
		}
		resp.Records = append(resp.Records, events.KinesisAnalyticsOutputDeliveryResponseRecord{RecordID: r.RecordID, Result: res})
	}
	json.NewEncoder(os.Stdout).Encode(resp)
}
