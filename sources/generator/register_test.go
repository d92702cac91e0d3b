package generator

import (
	"testing"

	"github.com/eddy-sql/eddy/sources"
)

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := sources.Lookup(Name)
	if !ok {
		t.Fatalf("connector %q not registered", Name)
	}
	if f.Target != "kind" || f.Open == nil || f.Discover == nil || f.Doc == "" {
		t.Fatalf("factory %+v", f)
	}
	for _, spec := range f.Options {
		t.Run(spec.Name, func(t *testing.T) {
			t.Parallel()
			if spec.Doc == "" {
				t.Fatalf("option %q has no doc", spec.Name)
			}
		})
	}
}
