package kinesis

import (
	"bytes"
	"crypto/md5"
	"errors"
	"reflect"
	"testing"
)

func TestKPLRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		recs []UserRecord
	}{
		{"one record", []UserRecord{{PartitionKey: "k", Data: []byte(`{"a":1}`)}}},
		{"shared keys are stored once", []UserRecord{
			{PartitionKey: "a", Data: []byte("1")}, {PartitionKey: "b", Data: []byte("2")}, {PartitionKey: "a", Data: []byte("3")},
		}},
		{"explicit hash keys", []UserRecord{
			{PartitionKey: "a", ExplicitHashKey: "12345", Data: []byte("x")}, {PartitionKey: "b", Data: []byte("y")},
		}},
		{"empty data", []UserRecord{{PartitionKey: "a", Data: []byte{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			agg := Aggregate(tc.recs)
			if !IsAggregated(agg) {
				t.Fatalf("IsAggregated(%x) = false", agg)
			}
			got, err := Deaggregate(agg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.recs) {
				t.Errorf("got %+v, want %+v", got, tc.recs)
			}
		})
	}
}

func TestKPLRejectsBadRecords(t *testing.T) {
	t.Parallel()
	good := Aggregate([]UserRecord{{PartitionKey: "k", Data: []byte("data")}})
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-1] ^= 0xFF
	flipped := bytes.Clone(good)
	flipped[6] ^= 0x01
	withSum := func(body []byte) []byte {
		sum := md5.Sum(body)
		return append(append(append([]byte(nil), KPLMagic...), body...), sum[:]...)
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"md5 trailer mismatch", corrupt, ErrKPLChecksum},
		{"body changed", flipped, ErrKPLChecksum},
		{"no magic", []byte(`{"a":1}`), ErrKPL},
		{"truncated protobuf", withSum([]byte{0x1a, 0x05, 0x08}), ErrKPL},
		{"key index out of range", withSum([]byte{0x1a, 0x05, 0x08, 0x03, 0x1a, 0x01, 'x'}), ErrKPL},
		{"record without data", withSum([]byte{0x0a, 0x01, 'k', 0x1a, 0x02, 0x08, 0x00}), ErrKPL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Deaggregate(tc.data); !errors.Is(err, tc.want) {
				t.Errorf("Deaggregate = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDeaggregate(f *testing.F) {
	f.Add(Aggregate([]UserRecord{{PartitionKey: "k", Data: []byte("d")}}))
	f.Add(Aggregate([]UserRecord{{PartitionKey: "a", ExplicitHashKey: "1", Data: []byte("x")}, {PartitionKey: "b", Data: nil}}))
	f.Add([]byte{0xF3, 0x89, 0x9A, 0xC2})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := Deaggregate(data)
		if err != nil {
			if !errors.Is(err, ErrKPL) {
				t.Fatalf("error %v does not match ErrKPL", err)
			}
			return
		}
		again, err := Deaggregate(Aggregate(recs))
		if err != nil {
			t.Fatalf("re-aggregated records do not decode: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("round trip: %d records, want %d", len(again), len(recs))
		}
		for i := range recs {
			if again[i].PartitionKey != recs[i].PartitionKey || !bytes.Equal(again[i].Data, recs[i].Data) ||
				again[i].ExplicitHashKey != recs[i].ExplicitHashKey {
				t.Fatalf("round trip record %d: %+v, want %+v", i, again[i], recs[i])
			}
		}
	})
}
