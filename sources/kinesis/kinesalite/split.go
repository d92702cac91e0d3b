package kinesalite

import (
	"context"
	"fmt"
	"math/big"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// SplitShard splits shard id of stream name in the middle of its hash key
// range and waits until the stream is active again.
func (s *Server) SplitShard(ctx context.Context, name, id string) error {
	out, err := s.Client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("kinesalite: list shards of %s: %w", name, err)
	}
	for _, sh := range out.Shards {
		if aws.ToString(sh.ShardId) != id {
			continue
		}
		lo, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		mid.Add(mid, big.NewInt(1))
		if _, err := s.Client.SplitShard(ctx, &kinesis.SplitShardInput{
			StreamName: aws.String(name), ShardToSplit: aws.String(id), NewStartingHashKey: aws.String(mid.String()),
		}); err != nil {
			return fmt.Errorf("kinesalite: split %s: %w", id, err)
		}
		return s.WaitActive(ctx, name)
	}
	return fmt.Errorf("%w: %s in %s", ErrNoShard, id, name)
}
