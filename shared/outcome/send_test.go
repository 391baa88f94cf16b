package outcome_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"

	"example.com/crm/shared/crm"
	"example.com/crm/shared/dbcost"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/testenv"
	"example.com/crm/shared/testenv/testbucket"
)

// mailbox is an outcome.Mailer that keeps what it is given; fail makes
// the next sends fail with err.
type mailbox struct {
	mu   sync.Mutex
	sent []string // recipients
	fail int
	err  error
}

func (m *mailbox) Send(_ context.Context, from, to string, msg []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return m.err
	}
	m.sent = append(m.sent, to)
	return nil
}

func (m *mailbox) Permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}

type senderEnv struct {
	store   *gcpfirestore.Store
	objects ingest.Objects
	bucket  string
	mail    *mailbox
	sender  outcome.Sender
}

// newSenderEnv is a Sender on the Firestore and Cloud Storage emulators,
// with the metadata of sessions applied by the ingest service from a
// bucket, as from external storage.
func newSenderEnv(t *testing.T, settings outcome.Settings) *senderEnv {
	t.Helper()
	ctx := context.Background()
	b := testbucket.New(t, "-ccai")
	store, err := gcpfirestore.Open(ctx, b.Project, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	blobs := b.Blobs
	e := &senderEnv{store: store, bucket: b.Name, mail: &mailbox{}}
	if err := store.PutOutcomeSettings(ctx, settings); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.objects = ingest.Objects{Blobs: blobs, Ingest: ingest.Service{Store: store, PhoneRegion: "US", Log: log}}
	e.sender = outcome.Sender{Store: store, Records: store, Attachments: store, Blobs: blobs, Mail: e.mail,
		From: "CRM <crm@example.com>", MaxAttempts: 3, Log: log}
	return e
}

// session writes chat id's metadata (status) into the bucket, applies it,
// and returns its task.
func (e *senderEnv) session(t *testing.T, id int, status string) outcome.Task {
	t.Helper()
	ctx := context.Background()
	var m map[string]any
	if err := json.Unmarshal(testenv.Fixture(t, "metadata/chat-135.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["id"], m["status"] = id, status
	b, _ := json.Marshal(m)
	name := "ujet-metadata/chat-" + strconv.Itoa(id) + ".json"
	c, err := localstack.NewStorageClient(ctx, testenv.All(t).GCS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := c.Bucket(e.bucket).Object(name).NewWriter(ctx)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := e.objects.Process(ctx, ingest.Object{Bucket: e.bucket, Name: name, Size: strconv.Itoa(len(b)), ContentType: "application/json"}); err != nil || out != ingest.Linked {
		t.Fatalf("apply metadata: %v %v", out, err)
	}
	key := "chat:" + strconv.Itoa(id)
	rec, err := e.store.RecordOfSession(ctx, key)
	if err != nil || rec == "" {
		t.Fatalf("record of %s: %q %v", key, rec, err)
	}
	return outcome.Task{RecordID: rec, Session: key}
}

func (e *senderEnv) send(t *testing.T, task outcome.Task, attempt int, want outcome.Result, wantCode crm.Code) {
	t.Helper()
	got, err := e.sender.Send(context.Background(), task, attempt)
	if got != want || crm.ErrorCode(err) != wantCode {
		t.Fatalf("Send attempt %d: %q %v, want %q %q", attempt, got, err, want, wantCode)
	}
}

var on = outcome.Settings{Global: outcome.Setting{Enabled: true, Address: "team@example.com"}}

func TestSendOnce(t *testing.T) {
	e := newSenderEnv(t, on)
	task := e.session(t, 7001, "finished")
	// Firestore operations of one email sent, and of a redelivery: the
	// record, its attachments (one here), the settings, the claim, the sent
	// mark.
	for _, c := range []struct {
		want          outcome.Result
		reads, writes int64
	}{{outcome.Sent, 3, 2}, {outcome.AlreadySent, 4, 0}} {
		ctx, cost := dbcost.WithCounter(context.Background())
		if got, err := e.sender.Send(ctx, task, 1); got != c.want || err != nil {
			t.Fatalf("Send: %q %v, want %q", got, err, c.want)
		}
		t.Logf("%s: %d reads, %d writes", c.want, cost.Reads(), cost.Writes())
		if cost.Reads() != c.reads || cost.Writes() != c.writes {
			t.Errorf("%s: %d reads, %d writes; want %d and %d", c.want, cost.Reads(), cost.Writes(), c.reads, c.writes)
		}
	}
	e.send(t, task, 2, outcome.AlreadySent, "")
	if len(e.mail.sent) != 1 || e.mail.sent[0] != "team@example.com" {
		t.Errorf("sent %v, want one email to team@example.com", e.mail.sent)
	}
}

// The session's metadata decides at send time: one that did not finish
// gets nothing; settings that send it nowhere, nothing; a record that is
// gone, nothing.
func TestSendNothing(t *testing.T) {
	e := newSenderEnv(t, on)
	e.send(t, e.session(t, 7101, "abandoned"), 1, outcome.NotFinished, "")
	e.send(t, outcome.Task{RecordID: "no-such-record", Session: "chat:7102"}, 1, outcome.NoSession, "")
	task := e.session(t, 7103, "finished")
	e.send(t, outcome.Task{RecordID: task.RecordID, Session: "chat:9999"}, 1, outcome.NoSession, "")
	if err := e.store.PutOutcomeSettings(context.Background(), outcome.Settings{}); err != nil {
		t.Fatal(err)
	}
	e.send(t, task, 1, outcome.NoRecipient, "")
	if len(e.mail.sent) != 0 {
		t.Errorf("sent %v, want none", e.mail.sent)
	}
}

// A failed send is retried (Unavailable) and the retry sends it once.
func TestSendRetried(t *testing.T) {
	e := newSenderEnv(t, on)
	task := e.session(t, 7201, "finished")
	e.mail.fail, e.mail.err = 1, &textproto.Error{Code: 421, Msg: "try later"}
	e.send(t, task, 1, "", crm.Unavailable)
	st, err := e.store.SendState(context.Background(), outcome.EmailID(task.Session, "team@example.com"))
	if err != nil || st.State != outcome.StateRetrying || !strings.Contains(st.LastError, "try later") {
		t.Fatalf("after a failure: %+v %v, want retrying with the reason", st, err)
	}
	e.send(t, task, 2, outcome.Sent, "")
	if len(e.mail.sent) != 1 {
		t.Errorf("sent %v, want one", e.mail.sent)
	}
}

// A refusal for good, or a failure at the queue's last attempt, gives
// up: recorded on the email's state and as a comment on the record; no
// later delivery sends it.
func TestSendGivesUp(t *testing.T) {
	for _, c := range []struct {
		name    string
		err     error
		attempt int
	}{
		{"refused", &textproto.Error{Code: 550, Msg: "no such mailbox"}, 1},
		{"last attempt", &textproto.Error{Code: 421, Msg: "try later"}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newSenderEnv(t, on)
			task := e.session(t, 7301, "finished")
			e.mail.fail, e.mail.err = 1, c.err
			e.send(t, task, c.attempt, outcome.GaveUp, "")
			ctx := context.Background()
			st, err := e.store.SendState(ctx, outcome.EmailID(task.Session, "team@example.com"))
			if err != nil || st.State != outcome.StateFailed {
				t.Fatalf("state %+v %v, want failed", st, err)
			}
			comments, err := e.store.Comments(ctx, task.RecordID)
			if err != nil || len(comments) != 1 || !strings.Contains(comments[0].Body, "team@example.com") || !strings.Contains(comments[0].Body, c.err.Error()) {
				t.Fatalf("comments %+v %v, want the failure recorded", comments, err)
			}
			e.send(t, task, c.attempt+1, outcome.AlreadySent, "")
			if len(e.mail.sent) != 0 {
				t.Errorf("sent %v after giving up", e.mail.sent)
			}
		})
	}
}
