package dbcost

import (
	"bytes"
	"encoding/json"
)

// LogLine is what a request's or a storage event's JSON log line says of
// its cost (the "request" lines of shared/ccai.Serve, the "storage event"
// lines of functions/storageobject), as tests and the load script read
// them back.
type LogLine struct {
	Message  string `json:"message"`
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Reads    int64  `json:"reads"`
	Writes   int64  `json:"writes"`
}

// ParseLogLine reads line, a JSON log line possibly prefixed (the local
// stack prefixes each function's lines with its name); ok is false for a
// line that holds no JSON object.
func ParseLogLine(line []byte) (l LogLine, ok bool) {
	i := bytes.IndexByte(line, '{')
	if i < 0 || json.Unmarshal(line[i:], &l) != nil {
		return LogLine{}, false
	}
	return l, true
}
