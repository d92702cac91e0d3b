package sources

import (
	"fmt"
	"sort"
	"sync"
)

var registry = struct {
	sync.RWMutex
	m map[string]Factory
}{m: map[string]Factory{}}

// Register adds a connector. Connectors call it from init in their own
// subpackage, and may register it again under another name with
// Factory.Alias after the first registration. It panics on an empty or
// duplicate name, a nil Open or an alias of a connector not registered
// (a programmer error).
func Register(f Factory) {
	if f.Name == "" || f.Open == nil {
		panic("sources: Register needs a name and an Open function")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[f.Name]; dup {
		panic(fmt.Sprintf("sources: connector %q registered twice", f.Name))
	}
	if _, ok := registry.m[f.AliasOf]; f.AliasOf != "" && !ok {
		panic(fmt.Sprintf("sources: alias %q of unregistered connector %q", f.Name, f.AliasOf))
	}
	registry.m[f.Name] = f
}

// Lookup returns the connector registered under name.
func Lookup(name string) (Factory, bool) {
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.m[name]
	return f, ok
}

// Names returns the registered connector names, sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	n := make([]string, 0, len(registry.m))
	for k := range registry.m {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
