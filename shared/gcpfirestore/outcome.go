package gcpfirestore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/outcome"
)

// The outcome email documents:
//
//	settings/outcome_email   outcome.Settings (absent: the defaults, all off)
//	outcome_emails/{id}      the sent state of one email (outcome.EmailID)
const (
	settingsCol        = "settings"
	outcomeSettingsDoc = "outcome_email"
	outcomeEmailsCol   = "outcome_emails"
)

var _ outcome.Store = (*Store)(nil)

type outcomeSettingDoc struct {
	Enabled bool   `firestore:"enabled"`
	Address string `firestore:"address"`
}

// queueSettingDoc is a queue's setting; queues are an array, so that a
// queue key ("Orders/Support") never has to be a field name.
type queueSettingDoc struct {
	Queue   string `firestore:"queue"`
	Enabled bool   `firestore:"enabled"`
	Address string `firestore:"address"`
}

type outcomeSettingsDocument struct {
	Global    outcomeSettingDoc `firestore:"global"`
	Queues    []queueSettingDoc `firestore:"queues"`
	UpdatedAt time.Time         `firestore:"updated_at"`
}

func (s *Store) outcomeSettingsRef() *firestore.DocumentRef {
	return s.client.Collection(settingsCol).Doc(outcomeSettingsDoc)
}

// OutcomeSettings returns the stored outcome email settings, the defaults
// (all off) when none were stored.
func (s *Store) OutcomeSettings(ctx context.Context) (outcome.Settings, error) {
	snap, err := s.outcomeSettingsRef().Get(ctx)
	if status.Code(err) == codes.NotFound {
		return outcome.Settings{}, nil
	}
	if err != nil {
		return outcome.Settings{}, storeError("read outcome email settings", err)
	}
	var d outcomeSettingsDocument
	if err := snap.DataTo(&d); err != nil {
		return outcome.Settings{}, storeError("read outcome email settings", fmt.Errorf("decode: %w", err))
	}
	out := outcome.Settings{Global: outcome.Setting{Enabled: d.Global.Enabled, Address: d.Global.Address}}
	if len(d.Queues) > 0 {
		out.Queues = make(map[string]outcome.Setting, len(d.Queues))
		for _, q := range d.Queues {
			out.Queues[q.Queue] = outcome.Setting{Enabled: q.Enabled, Address: q.Address}
		}
	}
	return out, nil
}

// PutOutcomeSettings replaces the outcome email settings after checking
// them (outcome.Settings.Validate).
func (s *Store) PutOutcomeSettings(ctx context.Context, set outcome.Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	d := outcomeSettingsDocument{
		Global:    outcomeSettingDoc{Enabled: set.Global.Enabled, Address: set.Global.Address},
		Queues:    []queueSettingDoc{},
		UpdatedAt: s.Now(),
	}
	for k, q := range set.Queues {
		d.Queues = append(d.Queues, queueSettingDoc{Queue: k, Enabled: q.Enabled, Address: q.Address})
	}
	_, err := s.outcomeSettingsRef().Set(ctx, d)
	return storeError("write outcome email settings", err)
}

// sendDoc is the sent state of one outcome email.
type sendDoc struct {
	State     string    `firestore:"state"`
	Attempts  int       `firestore:"attempts"`
	ClaimedAt time.Time `firestore:"claimed_at"`
	SentAt    time.Time `firestore:"sent_at,omitempty"`
	LastError string    `firestore:"last_error,omitempty"`
	FailedAt  time.Time `firestore:"failed_at,omitempty"`
}

// maxSendError bounds the failure reason kept (an SMTP answer).
const maxSendError = 1024

func (s *Store) sendRef(id string) (*firestore.DocumentRef, error) {
	if !outcome.IsEmailID(id) {
		return nil, crm.Errorf(crm.Invalid, "%q is not an outcome email id", id)
	}
	return s.client.Collection(outcomeEmailsCol).Doc(id), nil
}

// ClaimSend takes on sending the email id (see outcome.Store): a create
// if absent, which one of simultaneous callers wins; else a claim of an
// email whose last try failed or whose sender's lease ran out, by an
// update conditioned on the document as read, which one of simultaneous
// callers wins. One write for the first claim.
func (s *Store) ClaimSend(ctx context.Context, id string) (bool, error) {
	ref, err := s.sendRef(id)
	if err != nil {
		return false, err
	}
	for range maxCreateAttempts {
		now := s.Now()
		_, err := ref.Create(ctx, sendDoc{State: outcome.StateSending, Attempts: 1, ClaimedAt: now})
		if err == nil {
			return true, nil
		}
		if !isAlreadyExists(err) {
			return false, storeError("claim outcome email", err)
		}
		snap, err := ref.Get(ctx)
		if status.Code(err) == codes.NotFound {
			continue // deleted since: create again
		}
		if err != nil {
			return false, storeError("claim outcome email", err)
		}
		var d sendDoc
		if err := snap.DataTo(&d); err != nil {
			return false, storeError("claim outcome email", fmt.Errorf("decode %s: %w", id, err))
		}
		switch {
		case d.State == outcome.StateSent || d.State == outcome.StateFailed:
			return false, nil
		case d.State == outcome.StateSending && now.Sub(d.ClaimedAt) < outcome.SendLease:
			return false, crm.Errorf(crm.Unavailable, "another sender took this email on at %s; try again later", d.ClaimedAt.Format(time.RFC3339))
		}
		_, err = ref.Update(ctx, []firestore.Update{
			{Path: "state", Value: outcome.StateSending},
			{Path: "attempts", Value: d.Attempts + 1},
			{Path: "claimed_at", Value: now},
		}, firestore.LastUpdateTime(snap.UpdateTime))
		if err == nil {
			return true, nil
		}
		if status.Code(err) != codes.FailedPrecondition {
			return false, storeError("claim outcome email", err)
		}
		// Another caller changed it since it was read: look again.
	}
	return false, crm.Errorf(crm.Unavailable, "too many simultaneous claims of this email; try again")
}

// MarkSent records that the email id went out.
func (s *Store) MarkSent(ctx context.Context, id string) error {
	ref, err := s.sendRef(id)
	if err != nil {
		return err
	}
	_, err = ref.Update(ctx, []firestore.Update{
		{Path: "state", Value: outcome.StateSent},
		{Path: "sent_at", Value: s.Now()},
	})
	return storeError("mark outcome email sent", err)
}

// RecordFailure records a failed try of the email id: retrying, or failed
// when final; a sent email stays sent.
func (s *Store) RecordFailure(ctx context.Context, id, reason string, final bool) error {
	ref, err := s.sendRef(id)
	if err != nil {
		return err
	}
	if len(reason) > maxSendError {
		reason = strings.ToValidUTF8(reason[:maxSendError], "")
	}
	state := outcome.StateRetrying
	if final {
		state = outcome.StateFailed
	}
	err = s.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		if st, _ := snap.DataAt("state"); st == outcome.StateSent || st == outcome.StateFailed {
			return nil
		}
		return tx.Update(ref, []firestore.Update{
			{Path: "state", Value: state},
			{Path: "last_error", Value: reason},
			{Path: "failed_at", Value: s.Now()},
		})
	})
	return storeError("record outcome email failure", err)
}

// SendState returns the sent state of the email id.
func (s *Store) SendState(ctx context.Context, id string) (outcome.SendState, error) {
	ref, err := s.sendRef(id)
	if err != nil {
		return outcome.SendState{}, err
	}
	snap, err := ref.Get(ctx)
	if err != nil {
		return outcome.SendState{}, storeError("read outcome email state", err)
	}
	var d sendDoc
	if err := snap.DataTo(&d); err != nil {
		return outcome.SendState{}, storeError("read outcome email state", fmt.Errorf("decode %s: %w", id, err))
	}
	return outcome.SendState{ID: id, State: d.State, Attempts: d.Attempts, ClaimedAt: d.ClaimedAt, SentAt: d.SentAt, LastError: d.LastError, FailedAt: d.FailedAt}, nil
}
