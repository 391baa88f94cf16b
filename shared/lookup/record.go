package lookup

import (
	"context"
	"strings"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/query"
)

// Records evaluates e over records. Terms on the account, the session
// (call, chat or session id) and the status inside one "and" make one
// store query; "or" unites. Without a status term anywhere in e, a search
// by account finds only open records (what CCAI Platform's "re-use
// existing records" wants), while a search by id or session finds the
// record whatever its status. A status term alone is not a search.
func Records(ctx context.Context, store crm.RecordStore, e query.Expr) ([]crm.Record, error) {
	return records(ctx, store, e, !mentionsStatus(e))
}

func mentionsStatus(e query.Expr) bool {
	switch e := e.(type) {
	case query.Term:
		return ccai.Is(e.Field, ccai.StatusFields)
	case query.And:
		for _, s := range e {
			if mentionsStatus(s) {
				return true
			}
		}
	case query.Or:
		for _, s := range e {
			if mentionsStatus(s) {
				return true
			}
		}
	}
	return false
}

func records(ctx context.Context, store crm.RecordStore, e query.Expr, openByDefault bool) ([]crm.Record, error) {
	switch e := e.(type) {
	case query.Term:
		return records(ctx, store, query.And{e}, openByDefault)
	case query.Or:
		var out []crm.Record
		for _, sub := range e {
			got, err := records(ctx, store, sub, openByDefault)
			if err != nil {
				return nil, err
			}
			out = unite(out, got, recordID)
		}
		return out, nil
	case query.And:
		return recordsAnd(ctx, store, e, openByDefault)
	}
	return nil, crm.Errorf(crm.Invalid, "unsupported expression")
}

func recordsAnd(ctx context.Context, store crm.RecordStore, e query.And, openByDefault bool) ([]crm.Record, error) {
	var f crm.RecordFilter
	var keep []func(crm.Record) bool
	var rest []query.Expr
	var ids []string
	for _, sub := range e {
		t, ok := sub.(query.Term)
		if !ok {
			rest = append(rest, sub)
			continue
		}
		switch {
		case ccai.Is(t.Field, append([]string{"id"}, ccai.RecordIDFields...)):
			ids = append(ids, t.Value)
		case ccai.Is(t.Field, ccai.AccountIDFields) && f.AccountID == "":
			f.AccountID = t.Value
		case ccai.SessionKindOf(t.Field) != "" && f.SessionKey == "":
			f.SessionKey = string(ccai.SessionKindOf(t.Field)) + ":" + t.Value
		case ccai.Is(t.Field, ccai.StatusFields):
			if pred := statusFilter(&f, t.Value); pred != nil {
				keep = append(keep, pred)
			}
		case f.CustomKey == "" && !isKnownRecordField(t.Field):
			f.CustomKey, f.CustomValue = strings.ToLower(t.Field), t.Value
		default:
			// a second term on a field already used
			keep = append(keep, termPredicate(t))
		}
	}
	if len(keep) > 0 {
		f.Keep = func(r crm.Record) bool {
			for _, pred := range keep {
				if !pred(r) {
					return false
				}
			}
			return true
		}
	}
	if openByDefault && f.AccountID != "" && f.SessionKey == "" && f.CustomKey == "" && len(ids) == 0 {
		f.OpenOnly = true
	}
	if len(ids) == 0 && len(rest) == 0 {
		if f.AccountID == "" && f.SessionKey == "" && f.CustomKey == "" {
			return nil, crm.Errorf(crm.Invalid, "a record search needs a record id, an account id, a call, chat or session id, or a custom field")
		}
		// the store tests the whole filter, before its limit
		return store.FindRecords(ctx, f, perQuery)
	}
	// Records named by id, or found by the nested searches, are tested
	// against the filter here.
	var out []crm.Record
	started := false
	add := func(got []crm.Record) {
		if !started {
			out, started = got, true
			return
		}
		out = intersect(out, got, recordID)
	}
	for _, id := range ids {
		r, err := store.GetRecord(ctx, id)
		if crm.ErrorCode(err) == crm.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		add([]crm.Record{r})
	}
	for _, sub := range rest {
		got, err := records(ctx, store, sub, openByDefault)
		if err != nil {
			return nil, err
		}
		add(got)
	}
	var kept []crm.Record
	for _, r := range out {
		if f.Match(r) {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

func isKnownRecordField(field string) bool {
	for _, aliases := range [][]string{{"id"}, ccai.RecordIDFields, ccai.AccountIDFields, ccai.StatusFields} {
		if ccai.Is(field, aliases) {
			return true
		}
	}
	return ccai.SessionKindOf(field) != ""
}

// statusFilter narrows f to a status: "open" and "closed" by what they
// mean (see crm.IsClosedStatus), "any"/"all" not at all, anything else
// literally (an open status: the predicate returned tests it).
func statusFilter(f *crm.RecordFilter, v string) func(crm.Record) bool {
	switch s := strings.ToLower(strings.TrimSpace(v)); {
	case s == "any" || s == "all" || s == "*":
		return nil
	case s == "open" || s == "opened" || s == "new" || s == "1":
		f.OpenOnly = true
		return nil
	case crm.IsClosedStatus(s):
		f.ClosedOnly = true
		return nil
	default:
		f.OpenOnly = true
		return func(r crm.Record) bool { return strings.EqualFold(r.Status, s) }
	}
}

func termPredicate(t query.Term) func(crm.Record) bool {
	return func(r crm.Record) bool {
		switch {
		case ccai.Is(t.Field, ccai.AccountIDFields):
			return r.AccountID == t.Value
		case ccai.SessionKindOf(t.Field) != "":
			return r.HasSession(string(ccai.SessionKindOf(t.Field)) + ":" + t.Value)
		}
		return r.Custom[strings.ToLower(t.Field)] == t.Value
	}
}
