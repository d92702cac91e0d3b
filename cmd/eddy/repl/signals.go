package repl

import (
	"os"
	"os/signal"
)

// signalNotify sends SIGINT (Ctrl-C) to ch instead of ending the process.
func signalNotify(ch chan<- os.Signal) { signal.Notify(ch, os.Interrupt) }

// signalStop gives SIGINT back its default action.
func signalStop(ch chan<- os.Signal) { signal.Stop(ch) }
