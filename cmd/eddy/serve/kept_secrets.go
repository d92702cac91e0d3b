package serve

import (
	"github.com/eddy-sql/eddy/planner"
)

// keepSecrets gives each secret option of opts whose value is
// planner.Redacted (what the API shows a secret as, and so what a page
// that edits an application sends back) the value old has for it. A
// redacted secret old does not have is an error naming what (the binding)
// and the key: storing the marker would lose the secret silently.
func keepSecrets(what string, opts, old map[string]string) error {
	for k, v := range opts {
		if v != planner.Redacted || !planner.IsSecretOption(k) {
			continue
		}
		prev, ok := old[k]
		if !ok || prev == planner.Redacted {
			return invalid("%s: option %s is %q, the redacted value, and there is no earlier value to keep: give the secret", what, k, planner.Redacted)
		}
		opts[k] = prev
	}
	return nil
}

// keepBindingSecrets applies keepSecrets to every binding of next (stream
// or table name → options) against the binding of the same name in old.
func keepBindingSecrets(kind string, next, old map[string]map[string]string) error {
	for name, opts := range next {
		if err := keepSecrets(kind+" "+name, opts, old[name]); err != nil {
			return err
		}
	}
	return nil
}

// keepAppSecrets applies keepSecrets to the bindings and settings an
// application c is about to get, against the ones it has.
func keepAppSecrets(c *AppConfig, ins, outs, refs map[string]map[string]string, settings map[string]string) error {
	if err := keepBindingSecrets("input", ins, c.InputBindings); err != nil {
		return err
	}
	if err := keepBindingSecrets("output", outs, c.OutputBindings); err != nil {
		return err
	}
	if err := keepBindingSecrets("reference", refs, c.ReferenceBindings); err != nil {
		return err
	}
	return keepSecrets("settings", settings, c.Settings)
}
