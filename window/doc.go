// Package window holds Eddy's windowed aggregation: tumbling, sliding,
// hopping, session and stagger windows, and watermarks, on top of exec.
package window
