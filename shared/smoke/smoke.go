// Package smoke checks a deployment end to end from its portal settings
// file, calling it as CCAI Platform would (through shared/ccaiplayer, with
// the file's authentication): one call session of a new caller, from
// finding and creating the account and the record to updating it,
// commenting, uploading and downloading a file, and, when the file names
// external storage, a file written into the bucket under its folder path
// and seen linked to the record. Every check is reported with its latency.
//
// The Generic API deletes nothing, so what the run makes stays: an account
// named SmokeName with the email smoke-{run}@example.com and the custom
// user id crm-smoke-{run} (no phone number, so no real caller's account is
// ever found or changed), a record whose subject starts with
// SmokeSubjectPrefix, closed at the end, its comment and attachments. The
// object written into the external storage bucket is deleted at the end.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/portal"
)

// SmokeName is the name of every account a smoke run makes, and
// SmokeSubjectPrefix starts the subject of every record: what to search
// for to find (and delete by hand) smoke data.
const (
	SmokeName          = "CRM smoke test"
	SmokeSubjectPrefix = "[smoke test]"
)

// Check is one check's outcome.
type Check struct {
	Name    string
	Latency time.Duration
	// Note says what was seen (ids, statuses); Err is why the check failed.
	Note string
	Err  error
}

func (c Check) String() string {
	status, text := "ok  ", c.Note
	if c.Err != nil {
		status, text = "FAIL", c.Err.Error()
	}
	return fmt.Sprintf("%s %7.0f ms  %-44s %s", status, float64(c.Latency.Microseconds())/1000, c.Name, text)
}

// Options are a run's optional parts.
type Options struct {
	// Client makes the HTTP calls; when nil, a client that gives up after
	// the settings' api_request_timeout_seconds, as CCAI Platform does.
	Client *http.Client
	// Storage writes into the external storage bucket; when nil it is
	// made from the settings: the emulator at external_storage.endpoint
	// without credentials, else Cloud Storage with Application Default
	// Credentials (e.g. GOOGLE_APPLICATION_CREDENTIALS naming a key of
	// the CCAI Platform writer account).
	Storage *storage.Client
	// LinkTimeout is how long a file written into the bucket may take to
	// show on its record (2 minutes when 0).
	LinkTimeout time.Duration
	// Report is called after each check (nothing when nil).
	Report func(Check)
}

// Run runs every check against the deployment s describes, stopping at the
// first failure (later checks need what earlier ones made), and returns
// the checks run; err is non-nil when one failed.
func Run(ctx context.Context, s portal.Settings, o Options) (checks []Check, err error) {
	p := ccaiplayer.New(s)
	p.Client = o.Client
	if p.Client == nil {
		// CCAI Platform gives up on a call after the portal's API request
		// timeout; so does the smoke test.
		p.Client = &http.Client{Timeout: time.Duration(max(s.APIRequestTimeoutSeconds, 1)) * time.Second}
	}
	p.Retries400 = 0 // a 400 is a failure to see, not to retry for minutes
	r := &run{p: p, o: o, id: runID()}
	if r.o.LinkTimeout == 0 {
		r.o.LinkTimeout = 2 * time.Minute
	}
	check := func(name string, f func(context.Context) (string, error)) bool {
		start := time.Now()
		note, err := f(ctx)
		c := Check{Name: name, Latency: time.Since(start), Note: note, Err: err}
		checks = append(checks, c)
		if o.Report != nil {
			o.Report(c)
		}
		return err == nil
	}
	defer func() {
		// What was made is cleaned up whether the checks passed or not.
		if r.recordID != "" {
			check("close the record (smoke data)", r.closeRecord)
		}
		if r.object != "" {
			check("clean up: delete the storage file", r.deleteObject)
		}
		if r.storage != nil && o.Storage == nil {
			r.storage.Close()
		}
		for _, c := range checks {
			if c.Err != nil {
				err = fmt.Errorf("%s: %w", c.Name, c.Err)
				return
			}
		}
	}()
	oauth, bucket := s.Auth.Method == "oauth", s.ExternalStorage != nil
	steps := []struct {
		name string
		when bool
		f    func(context.Context) (string, error)
	}{
		{"OAuth: authorize (test login) and get a token", oauth, r.connect},
		{"find account by query (unknown caller)", true, r.findUnknownAccount},
		{"create account", true, r.createAccount},
		{"create account again (a retry)", true, r.createAccountAgain},
		{"find account by query", true, r.findAccount},
		{"find account by id", true, r.findAccountByID},
		{"find record by query (none yet)", true, r.findNoRecord},
		{"create record", true, r.createRecord},
		{"find record by query", true, r.findRecord},
		{"update record", true, r.updateRecord},
		{"comment", true, r.comment},
		{"upload file", true, r.uploadFile},
		{"download the uploaded file", true, r.download},
		{"read API: the record", true, r.readRecord},
		{"read API: the account", true, r.readAccount},
		{"external storage: write a file", bucket, r.writeObject},
		{"external storage: file linked to the record", bucket, r.waitLinked},
	}
	for _, st := range steps {
		if st.when && !check(st.name, st.f) {
			break // the deferred function sets err
		}
	}
	return checks, nil
}

// run is one smoke run's state: what it made so far.
type run struct {
	p         *ccaiplayer.Player
	o         Options
	id        string
	vars      ccaiplayer.Vars
	accountID string
	recordID  string
	uploaded  []byte
	uploadURL string
	storage   *storage.Client
	object    string // the object written into the bucket, "" when none
	photo     []byte
}

// runID names one run: its UTC time and a random suffix.
func runID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s-%x", time.Now().UTC().Format("20060102-150405"), b)
}

func (r *run) connect(ctx context.Context) (string, error) {
	o := r.p.Settings.Auth.OAuth
	if o != nil && o.TestLogin == nil && r.p.Settings.TestLogin != nil {
		login := *r.p.Settings.TestLogin // the file's other test login signs in as well
		oc := *o
		oc.TestLogin = &login
		r.p.Settings.Auth.OAuth = &oc
		o = &oc
	}
	if o == nil || o.TestLogin == nil {
		return "", errors.New("the settings file has no auth.oauth.test_login: add a CRM user's login (e.g. the administrator's) for the authorization")
	}
	if err := r.p.Connect(ctx); err != nil {
		return "", err
	}
	return "signed in as " + o.TestLogin.Username, nil
}

func (r *run) callerVars() ccaiplayer.Vars {
	if r.vars == nil {
		r.vars = ccaiplayer.Vars{
			"NAME": SmokeName, "FIRST_NAME": "CRM", "LAST_NAME": "smoke test",
			"EMAIL": "smoke-" + r.id + "@example.com", "CUSTOM_USER_ID": "crm-smoke-" + r.id,
			"Call_ID": "smoke-" + r.id, "SESSION_TYPE": "Voice Inbound", "CHANNEL": "voice_call",
			"QUEUE_NAME": "Smoke test", "TICKET_SUBJECT": SmokeSubjectPrefix + " " + r.id + ": safe to delete",
			"TICKET_DESCRIPTION": "Made by scripts/smoke " + r.id + "; the Generic API deletes nothing, so it stays.",
		}
	}
	return r.vars
}

// expect makes one call and checks its status.
func (r *run) expect(ctx context.Context, name string, want ...int) (ccaiplayer.Result, error) {
	res, err := r.p.Call(ctx, name, r.callerVars())
	if err != nil {
		return res, err
	}
	if !slices.Contains(want, res.Status) {
		return res, fmt.Errorf("answered %d, want %v: %.300s", res.Status, want, res.Body)
	}
	return res, nil
}

// notFound checks that a find answered nothing (404, or 200 without a
// match); what names what it must not have found.
func (r *run) notFound(ctx context.Context, name, what string) (string, error) {
	res, err := r.expect(ctx, name, http.StatusNotFound, http.StatusOK)
	if err != nil {
		return "", err
	}
	if res.Found() {
		return "", fmt.Errorf("found %s %s", what, res.ID)
	}
	return fmt.Sprintf("%d, not found", res.Status), nil
}

// create checks that a create answered 201 with an id, which becomes the
// portal variable variable.
func (r *run) create(ctx context.Context, name, variable string) (string, error) {
	res, err := r.expect(ctx, name, http.StatusCreated)
	if err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", fmt.Errorf("no id at the response data location: %.300s", res.Body)
	}
	r.vars[variable] = res.ID
	return res.ID, nil
}

func (r *run) findUnknownAccount(ctx context.Context) (string, error) {
	return r.notFound(ctx, "find_account_by_query", "the account of a caller no one made:")
}

func (r *run) createAccount(ctx context.Context) (string, error) {
	id, err := r.create(ctx, "create_account", "ACCOUNT_ID")
	if err != nil {
		return "", err
	}
	r.accountID = id
	return "201, account " + id, nil
}

// sameID checks that a call answered want with the object id.
func (r *run) sameID(ctx context.Context, name, id string, want int) (string, error) {
	res, err := r.expect(ctx, name, want)
	if err != nil {
		return "", err
	}
	if res.ID != id {
		return "", fmt.Errorf("answered id %q, want %s", res.ID, id)
	}
	return fmt.Sprintf("%d, %s", res.Status, id), nil
}

func (r *run) createAccountAgain(ctx context.Context) (string, error) {
	return r.sameID(ctx, "create_account", r.accountID, http.StatusOK)
}

func (r *run) findAccount(ctx context.Context) (string, error) {
	return r.sameID(ctx, "find_account_by_query", r.accountID, http.StatusOK)
}

func (r *run) findAccountByID(ctx context.Context) (string, error) {
	return r.sameID(ctx, "find_account_by_id", r.accountID, http.StatusOK)
}

func (r *run) findNoRecord(ctx context.Context) (string, error) {
	return r.notFound(ctx, "find_record_by_query", "a record of a new account:")
}

func (r *run) createRecord(ctx context.Context) (string, error) {
	id, err := r.create(ctx, "create_record", "RECORD_ID")
	if err != nil {
		return "", err
	}
	r.recordID = id
	return "201, record " + id, nil
}

func (r *run) findRecord(ctx context.Context) (string, error) {
	return r.sameID(ctx, "find_record_by_query", r.recordID, http.StatusOK)
}

func (r *run) updateRecord(ctx context.Context) (string, error) {
	r.vars["RATING"], r.vars["CALL_DURATION"] = "5", "00:42"
	return r.sameID(ctx, "update_record", r.recordID, http.StatusOK)
}

func (r *run) comment(ctx context.Context) (string, error) {
	r.vars["COMMENT_BODY"] = "Smoke test " + r.id + ": call ended"
	_, err := r.expect(ctx, "comment", http.StatusCreated)
	if err != nil {
		return "", err
	}
	return "201", nil
}

func (r *run) uploadFile(ctx context.Context) (string, error) {
	r.uploaded = []byte("smoke test " + r.id + ": a text file uploaded through the Generic API\n")
	res, u, err := r.p.Upload(ctx, r.callerVars(), r.uploaded, "smoke-"+r.id+".txt")
	if err != nil {
		return "", err
	}
	if res.Status != http.StatusCreated && res.Status != http.StatusOK {
		return "", fmt.Errorf("answered %d: %.300s", res.Status, res.Body)
	}
	if u == "" {
		return "", fmt.Errorf("no download URL from the answer: %.300s", res.Body)
	}
	r.uploadURL = u
	return fmt.Sprintf("%d, %d bytes", res.Status, len(r.uploaded)), nil
}

func (r *run) download(ctx context.Context) (string, error) {
	return r.fetch(ctx, r.uploadURL, r.uploaded)
}

// fetch downloads rawURL with the API's authentication and compares it with
// want.
func (r *run) fetch(ctx context.Context, rawURL string, want []byte) (string, error) {
	resp, body, err := r.p.Download(ctx, rawURL, "")
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %d", rawURL, resp.StatusCode)
	}
	if !bytes.Equal(body, want) {
		return "", fmt.Errorf("%s returned %d bytes that differ from the %d sent", rawURL, len(body), len(want))
	}
	return fmt.Sprintf("200, the same %d bytes", len(body)), nil
}

func (r *run) record(ctx context.Context) (ccai.RecordDetailJSON, error) {
	var rec ccai.RecordDetailJSON
	status, err := r.p.Get(ctx, r.p.RecordURL(r.recordID), &rec)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("read API answered %d for record %s", status, r.recordID)
	}
	return rec, err
}

func (r *run) readRecord(ctx context.Context) (string, error) {
	rec, err := r.record(ctx)
	if err != nil {
		return "", err
	}
	var problems []string
	if rec.AccountID != r.accountID {
		problems = append(problems, fmt.Sprintf("account %q, want %s", rec.AccountID, r.accountID))
	}
	if rec.Subject != r.vars["TICKET_SUBJECT"] {
		problems = append(problems, fmt.Sprintf("subject %q", rec.Subject))
	}
	if !slices.ContainsFunc(rec.Sessions, func(s ccai.SessionJSON) bool { return s.Kind == "call" && s.ID == r.vars["Call_ID"] }) {
		problems = append(problems, fmt.Sprintf("sessions %+v lack the call", rec.Sessions))
	}
	if !slices.ContainsFunc(rec.Comments, func(c ccai.CommentJSON) bool { return c.Body == r.vars["COMMENT_BODY"] }) {
		problems = append(problems, "the comment is missing")
	}
	if !slices.ContainsFunc(rec.Attachments, func(a ccai.AttachmentJSON) bool { return a.Source == "api" && a.Size == int64(len(r.uploaded)) }) {
		problems = append(problems, "the uploaded file is missing")
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("record %s: %v", r.recordID, problems)
	}
	return "subject, call, comment and file as sent", nil
}

func (r *run) readAccount(ctx context.Context) (string, error) {
	var a ccai.AccountDetailJSON
	status, err := r.p.Get(ctx, r.p.AccountURL(r.accountID), &a)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("read API answered %d for account %s", status, r.accountID)
	}
	if a.Name != SmokeName || !slices.Contains(a.Emails, r.vars["EMAIL"]) ||
		!slices.ContainsFunc(a.Records, func(l ccai.RecordListingJSON) bool { return l.ID == r.recordID }) {
		return "", fmt.Errorf("account %s: got name %q, emails %v, records %v", r.accountID, a.Name, a.Emails, a.Records)
	}
	return "name, email and record as sent", nil
}

// writeObject writes a photo of the call under the folder path, named as
// CCAI Platform names it.
func (r *run) writeObject(ctx context.Context) (string, error) {
	es := r.p.Settings.ExternalStorage
	if es.Provider != "" && es.Provider != "gcs" {
		return "", fmt.Errorf("external storage provider %q: only gcs is defined", es.Provider)
	}
	r.storage = r.o.Storage
	if r.storage == nil {
		opts := []option.ClientOption{}
		if es.Endpoint != "" {
			opts = append(opts, option.WithEndpoint(es.Endpoint), option.WithoutAuthentication())
		}
		c, err := storage.NewClient(ctx, opts...)
		if err != nil {
			return "", fmt.Errorf("storage client: %w", err)
		}
		r.storage = c
	}
	name := path.Join(es.FolderPath, "ujet-media", "call-"+r.vars["Call_ID"]+"-photo-1.jpg")
	r.photo = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("smoke test "+r.id+": not a real photo")...)
	w := r.storage.Bucket(es.Bucket).Object(name).NewWriter(ctx)
	w.ContentType = "image/jpeg"
	if _, err := w.Write(r.photo); err != nil {
		w.Close()
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("write gs://%s/%s: %w", es.Bucket, name, err)
	}
	r.object = name
	return "gs://" + es.Bucket + "/" + name, nil
}

// waitLinked polls the read API until the photo is on the record, then
// downloads it.
func (r *run) waitLinked(ctx context.Context) (string, error) {
	deadline := time.Now().Add(r.o.LinkTimeout)
	for {
		rec, err := r.record(ctx)
		if err != nil {
			return "", err
		}
		for _, a := range rec.Attachments {
			if a.Source == "storage" && a.Size == int64(len(r.photo)) {
				if _, err := r.fetch(ctx, a.DownloadURL, r.photo); err != nil {
					return "", err
				}
				return "linked as " + a.Kind + ", download gives the same bytes", nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("not on record %s after %s (is the storage trigger deployed?)", r.recordID, r.o.LinkTimeout)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// closeRecord closes the record, so that it is never reused, through the
// update endpoint with a constant status parameter, as an administrator
// would configure it.
func (r *run) closeRecord(ctx context.Context) (string, error) {
	ep := *r.p.Endpoint("update_record")
	ep.Parameters = append(slices.Clone(ep.Parameters), portal.Parameter{Key: "status", Value: "closed"})
	r.p.Settings.Endpoints.UpdateRecord = &ep
	if _, err := r.sameID(ctx, "update_record", r.recordID, http.StatusOK); err != nil {
		return "", err
	}
	rec, err := r.record(ctx)
	if err != nil {
		return "", err
	}
	if rec.Open {
		return "", fmt.Errorf("record %s still open (status %q)", r.recordID, rec.Status)
	}
	return "record " + r.recordID + " closed; account " + r.accountID + " kept (the API deletes nothing)", nil
}

func (r *run) deleteObject(ctx context.Context) (string, error) {
	es := r.p.Settings.ExternalStorage
	if err := r.storage.Bucket(es.Bucket).Object(r.object).Delete(ctx); err != nil {
		return "", fmt.Errorf("delete gs://%s/%s: %w", es.Bucket, r.object, err)
	}
	return "gs://" + es.Bucket + "/" + r.object, nil
}
