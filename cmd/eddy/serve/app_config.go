package serve

import (
	"fmt"
	"regexp"
	"time"
)

// Application statuses, KDA's.
const (
	StatusReady    = "READY"
	StatusStarting = "STARTING"
	StatusRunning  = "RUNNING"
	StatusStopping = "STOPPING"
	StatusUpdating = "UPDATING"
	StatusDeleting = "DELETING"
)

// Starting positions of StartApplication.
const (
	PositionNow              = "NOW"
	PositionTrimHorizon      = "TRIM_HORIZON"
	PositionLastStoppedPoint = "LAST_STOPPED_POINT"
)

// AppConfig is an application as it persists in the data directory: its
// KDA configuration, Eddy's bindings and settings, and whether it should
// be running.
type AppConfig struct {
	Name        string
	ARN         string
	Description string `json:",omitempty"`
	Code        string
	// Version is ApplicationVersionId: 1 at creation, +1 per change.
	Version int64
	Created time.Time
	Updated time.Time
	Inputs  []Input               `json:",omitempty"`
	Outputs []Output              `json:",omitempty"`
	Refs    []ReferenceDataSource `json:",omitempty"`
	Tags    []Tag                 `json:",omitempty"`
	// NextID numbers inputs, outputs and reference sources ("N.1").
	NextID int

	// Bindings made through Eddy's API: stream or table name to connector
	// options (a WITH clause's keys), and SET settings.
	InputBindings     map[string]map[string]string `json:",omitempty"`
	OutputBindings    map[string]map[string]string `json:",omitempty"`
	ReferenceBindings map[string]map[string]string `json:",omitempty"`
	Settings          map[string]string            `json:",omitempty"`

	// Running tells that the application should run: it is resumed when
	// the server starts.
	Running bool
	// Position is where the inputs of the current state generation
	// started without a checkpoint (NOW or TRIM_HORIZON).
	Position string `json:",omitempty"`
	// Generation numbers the checkpoint directories: a start at NOW or
	// TRIM_HORIZON begins a new one, LAST_STOPPED_POINT keeps it.
	Generation int
	// LastError is why the application last failed; "" after a good start.
	LastError string `json:",omitempty"`
}

// appName is what KDA accepted as an application name.
var appName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

// checkName validates an application name (it names a directory too).
func checkName(name string) error {
	if !appName.MatchString(name) || name == "." || name == ".." {
		return &apiError{Type: errInvalidArgument, Message: fmt.Sprintf("application name %q: want 1 to 128 letters, digits, '_', '.' or '-'", name)}
	}
	return nil
}

// newID returns the next input, output or reference id.
func (c *AppConfig) newID() string {
	c.NextID++
	return fmt.Sprintf("%d.1", c.NextID)
}

// clone returns a deep copy of c (through JSON: the persisted form).
func (c *AppConfig) clone() *AppConfig {
	var out AppConfig
	data, _ := marshalConfig(c)
	_ = unmarshalConfig(data, &out)
	return &out
}
