package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// The exit statuses of eddy (README, "Failure and recovery").
const (
	exitOK      = 0   // finished: bounded input exhausted, everything flushed
	exitFailure = 1   // a runtime failure
	exitUsage   = 2   // a usage, SQL or option error
	exitPipe    = 141 // stdout's reader went away (128 + SIGPIPE)
)

// defaultStopTimeout is how long eddy run flushes after the first SIGINT
// or SIGTERM before it gives up (--stop-timeout).
const defaultStopTimeout = 10 * time.Second

// signalExit returns the exit status of a run stopped by sig: 128 plus the
// signal's number (130 for SIGINT, 143 for SIGTERM).
func signalExit(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitFailure
}

// signalName names sig as people know it.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// stopper turns SIGINT and SIGTERM into eddy run's stop protocol: the
// first signal cancels the run's context (sources stop, what is in flight
// is flushed); a second one, or the stop timeout after the first, ends the
// wait at once.
type stopper struct {
	sigs   chan os.Signal
	first  chan struct{} // closed at the first signal
	hurry  chan struct{} // closed at the second signal
	quit   chan struct{}
	done   sync.WaitGroup
	sig    os.Signal // set before first is closed
	cancel context.CancelFunc
}

// newStopper starts watching for signals (notify subscribes the channel;
// nil means SIGINT and SIGTERM of this process). The first signal calls
// cancel and prints a line on w.
func newStopper(cancel context.CancelFunc, w io.Writer, notify func(chan<- os.Signal)) *stopper {
	if notify == nil {
		notify = func(c chan<- os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }
	}
	s := &stopper{sigs: make(chan os.Signal, 2), first: make(chan struct{}), hurry: make(chan struct{}), quit: make(chan struct{}), cancel: cancel}
	notify(s.sigs)
	s.done.Go(func() {
		n := 0
		for {
			select {
			case <-s.quit:
				return
			case sig := <-s.sigs:
				n++
				switch n {
				case 1:
					s.sig = sig
					close(s.first)
					fmt.Fprintf(w, "eddy: %s: stopping the sources and flushing (a second signal exits at once)\n", signalName(sig))
					cancel()
				case 2:
					close(s.hurry)
				}
			}
		}
	})
	return s
}

// Close stops watching; signals get their default action back.
func (s *stopper) Close() {
	signal.Stop(s.sigs)
	close(s.quit)
	s.done.Wait()
}

// signalled returns the first signal, if one came.
func (s *stopper) signalled() (os.Signal, bool) {
	select {
	case <-s.first:
		return s.sig, true
	default:
		return nil, false
	}
}

// wait waits for done to deliver the run's result. After the first
// signal it waits at most timeout, and not at all after a second signal:
// then it returns abandoned = true and the run goes on in the background.
func (s *stopper) wait(done <-chan error, timeout time.Duration) (err error, abandoned bool, why string) {
	first := s.first
	var deadline <-chan time.Time
	for {
		select {
		case err := <-done:
			return err, false, ""
		case <-first:
			first = nil
			t := time.NewTimer(timeout)
			defer t.Stop()
			deadline = t.C
		case <-deadline:
			return nil, true, fmt.Sprintf("the stop timeout (%s) passed", timeout)
		case <-s.hurry:
			return nil, true, "a second signal came"
		}
	}
}
