// Package function is the "function" destination connector and the
// function invoker shared with the firehose destination's transforms.
//
// The invoker: Invoker calls a function once (NewInvoker: AWS Lambda's
// Invoke through aws-sdk-go-v2 with region, endpoint override and the
// standard credential chain; an HTTP POST; a local command with the event
// on stdin, the response on stdout and a timeout). Caller runs a Protocol
// (an event and response contract) over an Invoker: it splits records into
// events under the 6 MiB payload limit, bounds the invocations in flight,
// keeps records of one key in order (one invocation at a time per key
// lane), and retries failed invocations and the records the function did
// not accept with exponential backoff until max_retries or retry_duration.
//
// The connector: rows are encoded as JSON or CSV (sinks/encode) and
// delivered under KDA's Lambda output contract (KDAOutput): an event
// {invocationId, applicationArn, records:[{recordId,
// lambdaDeliveryRecordMetadata:{retryHint}, data}]} answered by
// {records:[{recordId, result: Ok|DeliveryFailed}]}. DeliveryFailed and
// missing records are retried with a higher retryHint; records that still
// fail go to the error stream through sinks.Env.Reject (or, without it,
// make Flush and Close fail with ErrUndelivered). A window emission (rows
// written after a quiet batch_interval) is sent at once; continuous output
// is batched to at most one send per batch_interval. Flush (sinks.Flusher)
// returns once the function has answered for every row written before.
//
// Not yet: Lambda's asynchronous invocation type, gzip of HTTP events,
// per-record metrics beyond Stats, and exactly-once delivery (the
// function sees a record again after a retry of an invocation whose reply
// was lost).
package function
