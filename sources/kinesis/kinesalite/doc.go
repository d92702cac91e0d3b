// Package kinesalite starts kinesalite, an in-memory implementation of the
// Kinesis Data Streams API written for Node.js, on a loopback port for
// tests, and creates, splits and fills streams on it with the AWS SDK.
//
// It needs node and the npm package installed by .ci/setup-kinesis.sh in
// sources/kinesis/testdata/kinesalite. When they are missing, Start skips
// the test, or fails it when the environment variable CI is "true".
//
// Not yet: kinesalite's CBOR protocol, TLS, and durable (on-disk) stores
// are not used.
package kinesalite
