package firehose

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/eddy-sql/eddy/sinks/function"
)

// The results of Firehose's data-transformation contract.
const (
	ResultOk               = "Ok"
	ResultDropped          = "Dropped"
	ResultProcessingFailed = "ProcessingFailed"
)

// Transform is Firehose's data-transformation contract: the event
// {invocationId, deliveryStreamArn, region, records:[{recordId,
// approximateArrivalTimestamp, data}]} answered by {records:[{recordId,
// result: Ok|Dropped|ProcessingFailed, data}]}. No answer is retried but a
// missing record (the Caller's rule).
type Transform struct {
	DeliveryStreamARN string
	Region            string
}

var _ function.Protocol = Transform{}

// Event appends the transformation event.
func (tr Transform) Event(dst []byte, invocationID string, recs []function.Record, _ int) []byte {
	dst = append(dst, `{"invocationId":`...)
	dst = appendJSONString(dst, invocationID)
	dst = append(dst, `,"deliveryStreamArn":`...)
	dst = appendJSONString(dst, tr.DeliveryStreamARN)
	dst = append(dst, `,"region":`...)
	dst = appendJSONString(dst, tr.Region)
	dst = append(dst, `,"records":[`...)
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"recordId":`...)
		dst = appendJSONString(dst, r.ID)
		dst = append(dst, `,"approximateArrivalTimestamp":`...)
		dst = strconv.AppendInt(dst, r.Arrival.UnixMilli(), 10)
		dst = append(dst, `,"data":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Data)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

// RecordSize bounds the bytes one record adds to the event.
func (Transform) RecordSize(r function.Record) int {
	return 80 + 2*len(r.ID) + base64.StdEncoding.EncodedLen(len(r.Data))
}

// Replies reads {records:[{recordId, result, data}]}.
func (Transform) Replies(body []byte) ([]function.Reply, error) {
	var resp struct {
		Records []struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
			Data     []byte `json:"data"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	out := make([]function.Reply, len(resp.Records))
	for i, r := range resp.Records {
		out[i] = function.Reply{ID: r.RecordID, Result: r.Result, Data: r.Data}
	}
	return out, nil
}

// Retry never retries an answered record: every result is final.
func (Transform) Retry(string) bool { return false }

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}
