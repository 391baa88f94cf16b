package gcpfirestore_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

// The emulator runs any query without an index; production refuses a
// query that needs a composite index until it exists. So every query the
// store sends (caught on the wire while every method that queries runs) is
// checked against the indexes declared in terraform/firestore.tf.
func TestEveryQueryHasItsIndexInTerraform(t *testing.T) {
	declared := terraformIndexes(t)
	var mu sync.Mutex
	var queries []*firestorepb.StructuredQuery
	s := wireStore(t, func(m any) {
		if r, ok := m.(*firestorepb.RunQueryRequest); ok {
			mu.Lock()
			defer mu.Unlock()
			queries = append(queries, r.GetStructuredQuery())
		}
	})
	ctx := context.Background()

	// Every method of the store that queries, with every shape of filter.
	acc, _, err := s.CreateAccount(ctx, crm.Account{Name: "Index", Emails: []string{"index@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}, Custom: map[string]string{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	keep := func(crm.Record) bool { return true }
	for _, f := range []crm.RecordFilter{
		{SessionKey: "call:1"}, {SessionKey: "call:1", AccountID: acc.ID, OpenOnly: true}, {CustomKey: "tier", CustomValue: "gold"},
		{AccountID: acc.ID}, {AccountID: acc.ID, OpenOnly: true}, {AccountID: acc.ID, ClosedOnly: true}, {AccountID: acc.ID, Keep: keep},
	} {
		if _, err := s.FindRecords(ctx, f, 50); err != nil {
			t.Fatalf("FindRecords(%+v): %v", f, err)
		}
	}
	for _, c := range []crm.AccountCondition{
		{Field: crm.AccountByID, Value: acc.ID}, {Field: crm.AccountByPhone, Value: "+12223334444"}, {Field: crm.AccountByPhoneTail, Value: "2223334444"},
		{Field: crm.AccountByEmail, Value: "index@example.com"}, {Field: crm.AccountByCustomUserID, Value: "u1"}, {Field: crm.AccountByName, Value: "Index"},
		{Field: crm.AccountByCustom, Key: "tier", Value: "gold"},
	} {
		if _, err := s.FindAccounts(ctx, c, 50); err != nil {
			t.Fatalf("FindAccounts(%+v): %v", c, err)
		}
	}
	if _, err := s.AccountRecords(ctx, acc.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Comments(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attachments(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Waiting(ctx, "call:1418"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePending(ctx, "bucket", "object"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unreported(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.OAuth(nil, nil).RevokeAccessToken(ctx, "request-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Journal().OfSession(ctx, "call:1", 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Journal().OfRecord(ctx, rec.ID, 10); err != nil {
		t.Fatal(err)
	}

	if len(queries) < 10 {
		t.Fatalf("caught %d queries: the catcher does not see them", len(queries))
	}
	seen := map[string]bool{}
	for _, q := range queries {
		need, ok := requiredIndex(t, q)
		if !ok || seen[need.String()] {
			continue
		}
		seen[need.String()] = true
		if !slices.ContainsFunc(declared, need.servedBy) {
			t.Errorf("no index in terraform/firestore.tf serves the query on %s: %s", need.collection, need)
		}
	}
	t.Logf("composite indexes the store needs: %v", len(seen))
}

// wireStore returns a store on a fresh project of the emulator whose
// client hands every request message it sends (of any RPC) to sent.
func wireStore(t *testing.T, sent func(m any)) *gcpfirestore.Store {
	t.Helper()
	host := testenv.FirestoreHost(t)
	unary := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		sent(req)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	stream := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		return wireStream{ClientStream: s, sent: sent}, err
	}
	conn, err := grpc.NewClient(host, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}), grpc.WithChainUnaryInterceptor(unary), grpc.WithChainStreamInterceptor(stream))
	if err != nil {
		t.Fatal(err)
	}
	client, err := firestore.NewClient(context.Background(), testenv.Project(), option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return gcpfirestore.New(client)
}

type wireStream struct {
	grpc.ClientStream
	sent func(any)
}

func (w wireStream) SendMsg(m any) error {
	w.sent(m)
	return w.ClientStream.SendMsg(m)
}

type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }

// index is a composite index: equality and array-contains fields first (in
// any order), then the ordered fields, in order.
type index struct {
	collection string
	equal      []string // "field" or "field CONTAINS"
	ordered    []string // "field ASCENDING|DESCENDING"
}

func (x index) String() string {
	return fmt.Sprintf("%s %v then %v", x.collection, x.equal, x.ordered)
}

// servedBy reports whether the declared index d serves a query needing x.
func (x index) servedBy(d index) bool {
	if d.collection != x.collection || len(d.ordered) < len(x.ordered) {
		return false
	}
	cut := len(d.ordered) - len(x.ordered)
	prefix := append(slices.Clone(d.equal), d.ordered[:cut]...)
	if !slices.Equal(d.ordered[cut:], x.ordered) || len(prefix) != len(x.equal) {
		return false
	}
	for _, f := range x.equal {
		field, contains := strings.CutSuffix(f, " CONTAINS")
		if !slices.ContainsFunc(prefix, func(p string) bool {
			if contains {
				return p == f
			}
			return p == field+" ASCENDING" || p == field+" DESCENDING"
		}) {
			return false
		}
	}
	return true
}

// requiredIndex returns the composite index q needs, or false when
// Firestore's automatic single-field indexes serve it (one field, or
// equality filters only).
func requiredIndex(t *testing.T, q *firestorepb.StructuredQuery) (index, bool) {
	t.Helper()
	need := index{collection: q.GetFrom()[0].GetCollectionId()}
	var inequality []string
	var walk func(f *firestorepb.StructuredQuery_Filter)
	walk = func(f *firestorepb.StructuredQuery_Filter) {
		switch {
		case f == nil:
		case f.GetCompositeFilter() != nil:
			if f.GetCompositeFilter().GetOp() != firestorepb.StructuredQuery_CompositeFilter_AND {
				t.Fatalf("the test knows no %v filter", f.GetCompositeFilter().GetOp())
			}
			for _, sub := range f.GetCompositeFilter().GetFilters() {
				walk(sub)
			}
		case f.GetFieldFilter() != nil:
			ff := f.GetFieldFilter()
			path := ff.GetField().GetFieldPath()
			switch ff.GetOp() {
			case firestorepb.StructuredQuery_FieldFilter_EQUAL, firestorepb.StructuredQuery_FieldFilter_IN:
				need.equal = append(need.equal, path)
			case firestorepb.StructuredQuery_FieldFilter_ARRAY_CONTAINS, firestorepb.StructuredQuery_FieldFilter_ARRAY_CONTAINS_ANY:
				need.equal = append(need.equal, path+" CONTAINS")
			default:
				inequality = append(inequality, path)
			}
		case f.GetUnaryFilter() != nil:
			need.equal = append(need.equal, f.GetUnaryFilter().GetField().GetFieldPath())
		}
	}
	walk(q.GetWhere())
	for _, o := range q.GetOrderBy() {
		if p := o.GetField().GetFieldPath(); p != "__name__" {
			need.ordered = append(need.ordered, p+" "+o.GetDirection().String())
		}
	}
	for _, p := range inequality {
		if !slices.ContainsFunc(need.ordered, func(o string) bool { return strings.HasPrefix(o, p+" ") }) {
			need.ordered = append(need.ordered, p+" ASCENDING") // Firestore orders by an inequality field first
		}
	}
	if len(need.equal)+len(need.ordered) <= 1 || len(need.ordered) == 0 && !slices.ContainsFunc(need.equal, func(f string) bool { return strings.HasSuffix(f, " CONTAINS") }) {
		return index{}, false
	}
	return need, true
}

// terraformIndexes reads the google_firestore_index resources of
// terraform/firestore.tf (as terraform fmt writes them).
func terraformIndexes(t *testing.T) []index {
	t.Helper()
	b, err := os.ReadFile("../../terraform/firestore.tf")
	if err != nil {
		t.Fatal(err)
	}
	attr := regexp.MustCompile(`^\s*(\w+)\s*=\s*"([^"]*)"`)
	var out []index
	var cur *index
	var field, order string
	inFields := false
	for _, line := range strings.Split(string(b), "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case strings.HasPrefix(line, `resource "google_firestore_index"`):
			out = append(out, index{})
			cur = &out[len(out)-1]
		case strings.HasPrefix(line, "}"):
			cur = nil
		case cur != nil && trimmed == "fields {":
			inFields, field, order = true, "", ""
		case cur != nil && inFields && trimmed == "}":
			inFields = false
			if order == "CONTAINS" {
				cur.equal = append(cur.equal, field+" CONTAINS")
			} else {
				cur.ordered = append(cur.ordered, field+" "+order)
			}
		case cur != nil:
			m := attr.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			switch m[1] {
			case "collection":
				cur.collection = m[2]
			case "field_path":
				field = m[2]
			case "order", "array_config":
				order = m[2]
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no google_firestore_index in terraform/firestore.tf")
	}
	return out
}
