package kinesalite

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServerSurvivesAnAbortedRequest sends kinesalite half a request and
// hangs up, which made it throw and exit, taking every other test using
// it down; the server must go on answering.
func TestServerSurvivesAnAbortedRequest(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 3 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.Endpoint, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 1000\r\n\r\n{\"Lim"))
		time.Sleep(50 * time.Millisecond)
		conn.(*net.TCPConn).SetLinger(0) // reset, not a clean close
		conn.Close()
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.CreateStream(ctx, "after-abort", 1); err != nil {
		t.Fatalf("kinesalite stopped answering after an aborted request: %v", err)
	}
}
