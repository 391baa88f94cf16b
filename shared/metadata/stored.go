package metadata

import "encoding/json"

// Map is s as a record's session keeps it (a map of plain values, which
// Firestore stores as it is): s's JSON form, fields by their Go names,
// times as RFC 3339 strings with the file's offset. SummaryFromMap reads
// it back.
func (s Summary) Map() map[string]any {
	b, err := json.Marshal(s)
	if err != nil {
		return nil // a Summary always marshals
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// SummaryFromMap reads a summary that Map made, after any store's round
// trip (numbers as float64 or int64, nested maps). Fields it lacks stay
// zero.
func SummaryFromMap(m map[string]any) (Summary, error) {
	var s Summary
	b, err := json.Marshal(m)
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(b, &s)
	return s, err
}
