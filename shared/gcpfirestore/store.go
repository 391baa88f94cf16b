// Package gcpfirestore stores the CRM's accounts, records and comments in
// Firestore. It is the only package that imports the Firestore SDK.
//
// Collections:
//
//	accounts/{id}                 crm.Account
//	records/{id}                  crm.Record
//	records/{id}/comments/{id}    crm.Comment (id = crm.CommentID)
//	keys/{kind}:{key}             which account or record holds an identity
//	                              key ("account:phone:+12223334444",
//	                              "record:call:1418"): created in the same
//	                              transaction as its holder, so a key has
//	                              one holder however many creates race.
//	request_keys/{key}            which account or record a create with no
//	                              identity key made (crm.Account.RequestKey,
//	                              crm.Record.RequestKey), until expires_at
//	                              (crm.RetryWindow; a TTL policy deletes it)
//	pops/{key}                    the temporary account and record a screen
//	                              pop made (agentpop.Service.Open; pop.go)
//	adapter_sessions/{s}/events/{id}  the CRM page's adapter events of a
//	                              session (agentpop.Journal; journal.go),
//	                              also in records/{id}/adapter_events/{id}
//	signin/user:{user}            a CRM user's session generation
//	                              (SessionStore)
//	settings/outcome_email        outcome.Settings, the outcome email
//	                              settings (outcome.go)
//	outcome_emails/{id}           the sent state of one outcome email
//	                              (outcome.EmailID): sent once
package gcpfirestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
)

// Collection names.
const (
	accountsCol = "accounts"
	recordsCol  = "records"
	commentsCol = "comments"
	keysCol     = "keys"
	// requestKeysCol holds the request keys of creates that carry no
	// identity key (requestkey.go).
	requestKeysCol = "request_keys"
)

// Store implements crm.AccountStore and crm.RecordStore on Firestore.
type Store struct {
	client *firestore.Client
	// Now is the clock; tests may pin it.
	Now func() time.Time
}

var (
	_ crm.AccountStore = (*Store)(nil)
	_ crm.RecordStore  = (*Store)(nil)
)

// Open connects to database of project. With FIRESTORE_EMULATOR_HOST set,
// the SDK talks to the emulator instead.
func Open(ctx context.Context, project, database string) (*Store, error) {
	if database == "" {
		database = firestore.DefaultDatabaseID
	}
	opts, err := clientOptions()
	if err != nil {
		return nil, fmt.Errorf("firestore connection: %w", err)
	}
	c, err := firestore.NewClientWithDatabase(ctx, project, database, opts...)
	if err != nil {
		return nil, fmt.Errorf("firestore client for %s/%s: %w", project, database, err)
	}
	return New(c), nil
}

// New returns a Store on client.
func New(client *firestore.Client) *Store {
	return &Store{client: client, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// keyRef is the document that says who holds key.
func (s *Store) keyRef(kind, key string) *firestore.DocumentRef {
	return s.client.Collection(keysCol).Doc(kind + ":" + escapeID(key))
}

// escapeID makes a document id of s: "/" is not allowed in ids.
func escapeID(s string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(s)
}

type keyDoc struct {
	Kind      string    `firestore:"kind"`
	Holder    string    `firestore:"holder"`
	CreatedAt time.Time `firestore:"created_at"`
}

// scanPage is how many documents a query reads at a time when the store
// pages through every match (a variable for tests).
var scanPage = 200

// scan runs q a page of page documents at a time, in q's order, and hands
// every document to fn until fn returns false or none is left.
func scan(ctx context.Context, q firestore.Query, page int, fn func(*firestore.DocumentSnapshot) (more bool, err error)) error {
	for {
		snaps, err := q.Limit(page).Documents(ctx).GetAll()
		if err != nil {
			return err
		}
		for _, snap := range snaps {
			if more, err := fn(snap); err != nil || !more {
				return err
			}
		}
		if len(snaps) < page {
			return nil
		}
		q = q.StartAfter(snaps[len(snaps)-1])
	}
}

// maxCreateAttempts bounds the re-runs of a create transaction that lost a
// race: the next run sees the winner's keys.
const maxCreateAttempts = 4

// storeError turns an SDK error into a *crm.Error: failures a retry may
// fix become Unavailable, rejected input Invalid.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &crm.Error{Code: crm.Unavailable, Message: "the database did not answer in time; try again", Err: fmt.Errorf("%s: %w", op, err)}
	}
	switch status.Code(err) {
	case codes.NotFound:
		return &crm.Error{Code: crm.NotFound, Message: "not found", Err: fmt.Errorf("%s: %w", op, err)}
	case codes.InvalidArgument, codes.OutOfRange:
		return &crm.Error{Code: crm.Invalid, Message: "the database rejected the data: " + status.Convert(err).Message(), Err: fmt.Errorf("%s: %w", op, err)}
	default:
		// Unavailable, DeadlineExceeded, Aborted, ResourceExhausted,
		// Internal, FailedPrecondition (an index still building)...:
		// a later try may succeed.
		return &crm.Error{Code: crm.Unavailable, Message: "the database is unavailable; try again", Err: fmt.Errorf("%s: %w", op, err)}
	}
}

func isAlreadyExists(err error) bool { return status.Code(err) == codes.AlreadyExists }
