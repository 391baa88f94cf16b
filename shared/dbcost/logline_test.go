package dbcost_test

import (
	"testing"

	"example.com/crm/shared/dbcost"
)

func TestParseLogLine(t *testing.T) {
	tests := []struct {
		line   string
		want   dbcost.LogLine
		wantOK bool
	}{
		{`FindAccountByQuery {"message":"request","endpoint":"FindAccountByQuery","status":404,"reads":1,"writes":0}`,
			dbcost.LogLine{Message: "request", Endpoint: "FindAccountByQuery", Status: 404, Reads: 1}, true},
		{`{"message":"storage event","reads":3,"writes":2}`, dbcost.LogLine{Message: "storage event", Reads: 3, Writes: 2}, true},
		{`storage trigger: delivered`, dbcost.LogLine{}, false},
		{`prefix {not json`, dbcost.LogLine{}, false},
	}
	for _, tt := range tests {
		got, ok := dbcost.ParseLogLine([]byte(tt.line))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseLogLine(%q): got (%+v, %v), want (%+v, %v)", tt.line, got, ok, tt.want, tt.wantOK)
		}
	}
}
