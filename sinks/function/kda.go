package function

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// The results of KDA's Lambda output contract.
const (
	ResultOk             = "Ok"
	ResultDeliveryFailed = "DeliveryFailed"
)

// KDAOutput is Kinesis Data Analytics' Lambda output delivery contract:
// the event {invocationId, applicationArn, records:[{recordId,
// lambdaDeliveryRecordMetadata:{retryHint}, data}]} with data base64, and
// the response {records:[{recordId, result}]}, result Ok or
// DeliveryFailed. DeliveryFailed records are retried with a higher
// retryHint.
type KDAOutput struct {
	// ApplicationARN fills applicationArn.
	ApplicationARN string
}

var _ Protocol = KDAOutput{}

// Event appends the delivery event; retryHint is attempt.
func (k KDAOutput) Event(dst []byte, invocationID string, recs []Record, attempt int) []byte {
	dst = append(dst, `{"invocationId":`...)
	dst = appendJSONString(dst, invocationID)
	dst = append(dst, `,"applicationArn":`...)
	dst = appendJSONString(dst, k.ApplicationARN)
	dst = append(dst, `,"records":[`...)
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"recordId":`...)
		dst = appendJSONString(dst, r.ID)
		dst = append(dst, `,"lambdaDeliveryRecordMetadata":{"retryHint":`...)
		dst = strconv.AppendInt(dst, int64(attempt), 10)
		dst = append(dst, `},"data":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Data)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

// RecordSize bounds the bytes one record adds to the event.
func (KDAOutput) RecordSize(r Record) int {
	return 96 + 2*len(r.ID) + base64.StdEncoding.EncodedLen(len(r.Data))
}

// Replies reads {records:[{recordId, result}]}.
func (KDAOutput) Replies(body []byte) ([]Reply, error) {
	var resp struct {
		Records []struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	out := make([]Reply, len(resp.Records))
	for i, r := range resp.Records {
		out[i] = Reply{ID: r.RecordID, Result: r.Result}
	}
	return out, nil
}

// Retry retries everything but Ok.
func (KDAOutput) Retry(result string) bool { return result != ResultOk }

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}
