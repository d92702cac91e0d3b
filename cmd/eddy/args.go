package main

import (
	"fmt"
	"strings"
)

// flagSet is a tiny parser for GNU-style flags that may come before or
// after the positional arguments (`eddy run app.sql --input …`).
type flagSet struct {
	values map[string][]string
	bools  map[string]bool
	args   []string
}

// parseFlags splits args into flags and positionals. valued names flags
// that take a value (--name VALUE or --name=VALUE); switches names boolean
// flags.
func parseFlags(args []string, valued, switches []string) (*flagSet, error) {
	fs := &flagSet{values: map[string][]string{}, bools: map[string]bool{}}
	isValued := map[string]bool{}
	for _, v := range valued {
		isValued[v] = true
	}
	isSwitch := map[string]bool{}
	for _, s := range switches {
		isSwitch[s] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			fs.args = append(fs.args, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			fs.args = append(fs.args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case isSwitch[name]:
			fs.bools[name] = true
		case isValued[name]:
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				val = args[i]
			}
			fs.values[name] = append(fs.values[name], val)
		default:
			return nil, fmt.Errorf("unknown flag %s", a)
		}
	}
	return fs, nil
}

// last returns the last value of a flag, or def.
func (fs *flagSet) last(name, def string) string {
	v := fs.values[name]
	if len(v) == 0 {
		return def
	}
	return v[len(v)-1]
}
