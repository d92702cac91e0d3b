package kinesis

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// KPLMagic starts every record aggregated by the Kinesis Producer Library.
var KPLMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// ErrKPL is matched (errors.Is) by every error for a record that starts
// with KPLMagic but is not a well-formed aggregated record.
var ErrKPL = errors.New("kinesis: malformed KPL aggregated record")

// ErrKPLChecksum is matched by the error for an aggregated record whose
// MD5 trailer does not match its body. It also matches ErrKPL.
var ErrKPLChecksum = fmt.Errorf("%w: md5 checksum mismatch", ErrKPL)

// UserRecord is one record of a KPL aggregated record.
type UserRecord struct {
	PartitionKey    string
	ExplicitHashKey string // "" when the record has none
	Data            []byte
}

// IsAggregated tells whether data starts with KPLMagic and is long enough
// to hold an aggregated record.
func IsAggregated(data []byte) bool {
	return len(data) >= len(KPLMagic)+md5.Size && bytes.HasPrefix(data, KPLMagic)
}

// The field numbers of the KPL's protobuf messages.
const (
	aggPartitionKeyTable    = 1 // AggregatedRecord.partition_key_table: repeated string
	aggExplicitHashKeyTable = 2 // AggregatedRecord.explicit_hash_key_table: repeated string
	aggRecords              = 3 // AggregatedRecord.records: repeated Record
	recPartitionKeyIndex    = 1 // Record.partition_key_index: uint64
	recExplicitHashKeyIndex = 2 // Record.explicit_hash_key_index: optional uint64
	recData                 = 3 // Record.data: bytes
	recTags                 = 4 // Record.tags: repeated Tag (skipped)
)

// Deaggregate returns the user records of a KPL aggregated record, after
// checking its MD5 trailer. The records' Data alias data. A record that is
// not aggregated (see IsAggregated) is an error wrapping ErrKPL.
func Deaggregate(data []byte) ([]UserRecord, error) {
	if !IsAggregated(data) {
		return nil, fmt.Errorf("%w: no magic prefix", ErrKPL)
	}
	body := data[len(KPLMagic) : len(data)-md5.Size]
	sum := md5.Sum(body)
	if !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, ErrKPLChecksum
	}
	var keys, hashKeys []string
	type raw struct {
		key, hash uint64
		hasHash   bool
		data      []byte
	}
	var recs []raw
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return nil, fmt.Errorf("%w: %v", ErrKPL, protowire.ParseError(n))
		}
		body = body[n:]
		if typ != protowire.BytesType || num < aggPartitionKeyTable || num > aggRecords {
			if n = protowire.ConsumeFieldValue(num, typ, body); n < 0 {
				return nil, fmt.Errorf("%w: %v", ErrKPL, protowire.ParseError(n))
			}
			body = body[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(body)
		if n < 0 {
			return nil, fmt.Errorf("%w: %v", ErrKPL, protowire.ParseError(n))
		}
		body = body[n:]
		switch num {
		case aggPartitionKeyTable:
			keys = append(keys, string(v))
		case aggExplicitHashKeyTable:
			hashKeys = append(hashKeys, string(v))
		case aggRecords:
			r := raw{}
			if err := parseRecord(v, &r.key, &r.hash, &r.hasHash, &r.data); err != nil {
				return nil, err
			}
			recs = append(recs, r)
		}
	}
	out := make([]UserRecord, len(recs))
	for i, r := range recs {
		if r.key >= uint64(len(keys)) {
			return nil, fmt.Errorf("%w: record %d: partition key index %d out of range", ErrKPL, i, r.key)
		}
		out[i] = UserRecord{PartitionKey: keys[r.key], Data: r.data}
		if r.hasHash {
			if r.hash >= uint64(len(hashKeys)) {
				return nil, fmt.Errorf("%w: record %d: explicit hash key index %d out of range", ErrKPL, i, r.hash)
			}
			out[i].ExplicitHashKey = hashKeys[r.hash]
		}
	}
	return out, nil
}

// parseRecord reads one Record message.
func parseRecord(b []byte, key, hash *uint64, hasHash *bool, data *[]byte) error {
	var haveKey, haveData bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: record: %v", ErrKPL, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case (num == recPartitionKeyIndex || num == recExplicitHashKeyIndex) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return fmt.Errorf("%w: record: %v", ErrKPL, protowire.ParseError(n))
			}
			b = b[n:]
			if num == recPartitionKeyIndex {
				*key, haveKey = v, true
			} else {
				*hash, *hasHash = v, true
			}
		case num == recData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("%w: record: %v", ErrKPL, protowire.ParseError(n))
			}
			b = b[n:]
			*data, haveData = v, true
		default: // tags and unknown fields
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("%w: record: %v", ErrKPL, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	if !haveKey || !haveData {
		return fmt.Errorf("%w: record lacks its partition key index or data", ErrKPL)
	}
	return nil
}

// Aggregate returns records in the KPL aggregated format: KPLMagic, the
// AggregatedRecord message and the MD5 of the message. Partition keys and
// explicit hash keys are stored once each in the key tables.
func Aggregate(records []UserRecord) []byte {
	var body []byte
	keyIndex := map[string]uint64{}
	hashIndex := map[string]uint64{}
	var keys, hashes []string
	for _, r := range records {
		if _, ok := keyIndex[r.PartitionKey]; !ok {
			keyIndex[r.PartitionKey] = uint64(len(keys))
			keys = append(keys, r.PartitionKey)
		}
		if _, ok := hashIndex[r.ExplicitHashKey]; r.ExplicitHashKey != "" && !ok {
			hashIndex[r.ExplicitHashKey] = uint64(len(hashes))
			hashes = append(hashes, r.ExplicitHashKey)
		}
	}
	for _, k := range keys {
		body = protowire.AppendTag(body, aggPartitionKeyTable, protowire.BytesType)
		body = protowire.AppendString(body, k)
	}
	for _, h := range hashes {
		body = protowire.AppendTag(body, aggExplicitHashKeyTable, protowire.BytesType)
		body = protowire.AppendString(body, h)
	}
	var rec []byte
	for _, r := range records {
		rec = rec[:0]
		rec = protowire.AppendTag(rec, recPartitionKeyIndex, protowire.VarintType)
		rec = protowire.AppendVarint(rec, keyIndex[r.PartitionKey])
		if r.ExplicitHashKey != "" {
			rec = protowire.AppendTag(rec, recExplicitHashKeyIndex, protowire.VarintType)
			rec = protowire.AppendVarint(rec, hashIndex[r.ExplicitHashKey])
		}
		rec = protowire.AppendTag(rec, recData, protowire.BytesType)
		rec = protowire.AppendBytes(rec, r.Data)
		body = protowire.AppendTag(body, aggRecords, protowire.BytesType)
		body = protowire.AppendBytes(body, rec)
	}
	out := make([]byte, 0, len(KPLMagic)+len(body)+md5.Size)
	out = append(out, KPLMagic...)
	out = append(out, body...)
	sum := md5.Sum(body)
	return append(out, sum[:]...)
}
