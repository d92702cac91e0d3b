package generator

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteBidsJSON writes the first n bids of the Nexmark sequence cfg
// describes to w as JSON lines with keys auction, bidder, price, channel,
// url, date_time (ISO 8601 UTC with milliseconds, e.g.
// 2015-07-15T00:00:00.000Z) and extra.
func WriteBidsJSON(w io.Writer, n int, cfg NexmarkConfig) error {
	g, err := NewNexmark(cfg)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for range n {
		line = appendBidJSON(line[:0], g.NextBid())
		if _, err := bw.Write(line); err != nil {
			return fmt.Errorf("generator: write bids: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("generator: write bids: %w", err)
	}
	return nil
}

// appendBidJSON appends one bid as a JSON object and a newline.
func appendBidJSON(dst []byte, b Bid) []byte {
	dst = append(dst, `{"auction":`...)
	dst = strconv.AppendInt(dst, b.Auction, 10)
	dst = append(dst, `,"bidder":`...)
	dst = strconv.AppendInt(dst, b.Bidder, 10)
	dst = append(dst, `,"price":`...)
	dst = strconv.AppendInt(dst, b.Price, 10)
	dst = append(dst, `,"channel":`...)
	dst = appendJSONString(dst, b.Channel)
	dst = append(dst, `,"url":`...)
	dst = appendJSONString(dst, b.URL)
	dst = append(dst, `,"date_time":"`...)
	dst = time.UnixMilli(b.DateTime).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	dst = append(dst, `","extra":`...)
	dst = appendJSONString(dst, b.Extra)
	return append(dst, "}\n"...)
}

// appendJSONString appends s as a JSON string. Generated text is plain
// ASCII, so only quotes, backslashes and control bytes need escaping.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
