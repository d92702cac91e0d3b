package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCheckpointOverhead runs a tumbling COUNT/SUM/MAX per auction over
// 10,000,000 Nexmark events with and without checkpoints (every 250ms, forty
// times more often than the default), to compare the throughput.
func BenchmarkCheckpointOverhead(b *testing.B) {
	const events = 10_000_000
	app := `
CREATE STREAM bid (auction BIGINT, price BIGINT) WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '%d');
CREATE STREAM per_auction (auction BIGINT, n BIGINT, total BIGINT, top BIGINT);
CREATE PUMP p AS INSERT INTO per_auction
  SELECT STREAM auction, COUNT(*), SUM(price), MAX(price) FROM bid GROUP BY auction, TUMBLE(ROWTIME, INTERVAL '10' SECOND);
`
	for _, interval := range []string{"off", "250ms"} {
		b.Run("checkpoints="+interval, func(b *testing.B) {
			dir := b.TempDir()
			file := filepath.Join(dir, "app.sql")
			writeBenchFile(b, file, fmt.Sprintf(app, events))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				args := []string{"run", file, "--output", "PER_AUCTION=discard"}
				if interval != "off" {
					args = append(args, "--state", filepath.Join(dir, fmt.Sprintf("state-%d", i)), "--set", "checkpoint_interval="+interval)
				}
				var errb bytes.Buffer
				if code := run(args, nil, &bytes.Buffer{}, &errb); code != 0 {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
			}
			b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func writeBenchFile(b *testing.B, path, text string) {
	b.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
}
