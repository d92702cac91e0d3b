package window

// ErrRestorePanic exposes errRestorePanic to the external tests.
var ErrRestorePanic = errRestorePanic
