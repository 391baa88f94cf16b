package agentpop_test

import (
	"context"
	"testing"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/testenv"
)

func benchService(b *testing.B) (*agentpop.Service, *gcpfirestore.Store) {
	s := gcpfirestore.New(testenv.Firestore(b))
	checker, err := agentpop.NewChecker(base)
	if err != nil {
		b.Fatal(err)
	}
	return &agentpop.Service{Accounts: s, Records: s, Pops: s, Journal: s.Journal(), Region: "US", CRM: checker, RecordURL: recordURL}, s
}

// A ticket pop by phone number that finds one account with a record (on
// the emulator).
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	svc, s := benchService(b)
	acc, _, err := s.CreateAccount(ctx, crm.Account{Name: "Ann", Phones: []crm.Phone{phoneOf("+14155550134")}})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "Order"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := svc.Lookup(ctx, agentpop.PopParams{ANI: "+14155550134"}); err != nil {
			b.Fatal(err)
		}
	}
}

// A screen pop opened again (its temporary account found by phone).
func BenchmarkOpenAgain(b *testing.B) {
	ctx := context.Background()
	svc, _ := benchService(b)
	p := agentpop.OpenParams{AccountID: "ccaip-1", Phone: "+14155550199"}
	if _, err := svc.Open(ctx, p); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := svc.Open(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// An adapter event: New_Call of a known session, decided and journaled.
func BenchmarkHandleNewCall(b *testing.B) {
	ctx := context.Background()
	svc, s := benchService(b)
	acc, _, err := s.CreateAccount(ctx, crm.Account{Name: "Ann", Phones: []crm.Phone{phoneOf("+14155550134")}})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.CreateRecord(ctx, crm.Record{AccountID: acc.ID, Subject: "Call", Sessions: []crm.Session{{Kind: crm.SessionCall, ID: "1"}}}); err != nil {
		b.Fatal(err)
	}
	ev := []byte(`{"type":"New_Call","data":{"agent_email":"agent@example.com","call_id":1}}`)
	for b.Loop() {
		if _, err := svc.Handle(ctx, "agent@crm.example.com", ev); err != nil {
			b.Fatal(err)
		}
	}
}
