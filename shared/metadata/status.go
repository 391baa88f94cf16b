package metadata

import "strings"

// statusNames maps the numeric session status codes of the
// crm-session-metadata page to the strings files use. 6, 7 and 19 have no
// reachable English name and keep their digits; 11 is inferred.
var statusNames = map[string]string{
	"0": "scheduled", "1": "queued", "2": "assigned", "3": "connecting",
	"4": "switching", "5": "connected", "8": "finished", "9": "failed",
	"10": "recovered", "11": "deflected", "12": "selecting",
	"13": "va_assigned", "14": "va_connected", "15": "preview_pending",
	"16": "preview_ready", "17": "campaign_connecting", "18": "campaign_connected",
}

// finalStatuses are the statuses after which a session does not go on, from
// the call and chat status lists, the chat report statuses and the Apps API
// call statuses. Statuses of a session in progress (queued, connected,
// action_only, voicemail...) and unknown ones are not final.
var finalStatuses = map[string]bool{
	"finished":             true,
	"failed":               true,
	"recovered":            true,
	"deflected":            true,
	"canceled":             true,
	"cancelled":            true,
	"abandoned":            true,
	"no_response":          true,
	"action_only_finished": true,
	"voicemail_received":   true,
	"voicemail_read":       true,
}

// statusName returns the status as files spell it.
func statusName(s string) string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return s
}

// ended reports whether status is final and whether it is "finished".
func ended(status string) (ended, finished bool) {
	s := strings.ToLower(strings.TrimSpace(status))
	return finalStatuses[s], s == "finished"
}

// Finished reports whether a session status, as files or the Generic API
// give it ("finished", or its code "8"), says the session finished.
func Finished(status string) bool {
	_, finished := ended(statusName(strings.TrimSpace(status)))
	return finished
}
