package sql

import (
	"fmt"
	"sync"
	"testing"
)

// TestParseConcurrently parses different statements from many goroutines:
// pooled TiDB parsers must not hand one goroutine's AST nodes to another
// (run with -race).
func TestParseConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				text := fmt.Sprintf("SELECT STREAM a%d + %d AS x, FLOOR(ROWTIME TO MINUTE) FROM s%d WHERE b%d > %d", g, i, g, g, i)
				stmts, err := Parse(&Source{Text: text})
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf("A%d + %d", g, i)
				sel := stmts[0].(*SelectStatement).Query.Selects[0]
				if got := FormatExpr(sel.Items[0].Expr); got != want {
					errs <- fmt.Errorf("goroutine %d parse %d: got %s, want %s", g, i, got, want)
					return
				}
				if sel.Items[0].Expr.ExprPos() != 14 {
					errs <- fmt.Errorf("position %d, want 14", sel.Items[0].Expr.ExprPos())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
