package pages

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/filetype"
	"example.com/crm/shared/metadata"
	"example.com/crm/shared/phone"
)

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"duration": func(sec int) string { return (time.Duration(sec) * time.Second).String() },
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
	"sorted": func(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) },
}

// ugc is the sanitiser of HTML comments (safe for concurrent use).
var ugc = bluemonday.UGCPolicy()

// phoneView is a phone number as shown.
type phoneView struct{ Display, Raw string }

func phones(a crm.Account) []phoneView {
	var out []phoneView
	for _, p := range a.Phones {
		v := phoneView{Display: p.Raw, Raw: p.Raw}
		if p.E164 != "" {
			v.Display = phone.Display(p.E164)
		}
		out = append(out, v)
	}
	return out
}

type accountPage struct {
	Account crm.Account
	Name    string
	Phones  []phoneView
	Records []crm.Record
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	var (
		a          crm.Account
		recs       []crm.Record
		aErr, rErr error
		wg         sync.WaitGroup
	)
	wg.Go(func() { a, aErr = s.cfg.Accounts.GetAccount(r.Context(), id) })
	wg.Go(func() { recs, rErr = s.cfg.Records.AccountRecords(r.Context(), id) })
	wg.Wait()
	if err := cmp.Or(aErr, rErr); err != nil {
		s.fail(w, r, user, err, "")
		return
	}
	name := a.DisplayName()
	if name == "" {
		name = "Account " + a.ID
	}
	s.render(w, r, http.StatusOK, "account", user, name, accountPage{Account: a, Name: name, Phones: phones(a), Records: recs})
}

type commentView struct {
	crm.Comment
	Rendered template.HTML // sanitised HTML, for HTML comments
}

type sessionView struct {
	crm.Session
	Summary *metadata.Summary
}

type attachmentView struct {
	crm.Attachment
	URL        string
	Media      string // "audio", "video", "image" or ""
	Transcript string // a chat transcript's text
}

type recordPage struct {
	Record      crm.Record
	Account     crm.Account
	AccountName string
	Sessions    []sessionView
	Comments    []commentView
	Attachments []attachmentView
	// Shown is the CRM page's journal of this record: which adapter
	// event showed it to which agent, when (newest first).
	Shown []agentpop.Entry
}

// maxTranscript bounds the transcript shown on the page.
const maxTranscript = 256 << 10

func (s *Server) record(w http.ResponseWriter, r *http.Request, user string) {
	ctx := r.Context()
	id := r.PathValue("id")
	rec, err := s.cfg.Records.GetRecord(ctx, id)
	if err != nil {
		s.fail(w, r, user, err, "")
		return
	}
	p := recordPage{Record: rec}
	// The account, the comments and the attachments, read at once.
	var (
		acc      crm.Account
		comments []crm.Comment
		atts     []crm.Attachment
		shown    []agentpop.Entry
		errs     [4]error
		wg       sync.WaitGroup
	)
	wg.Go(func() { acc, errs[0] = s.cfg.Accounts.GetAccount(ctx, rec.AccountID) })
	wg.Go(func() { comments, errs[1] = s.cfg.Records.Comments(ctx, id) })
	wg.Go(func() { atts, errs[2] = s.cfg.Attachments.Attachments(ctx, id) })
	if s.cfg.Pop != nil {
		wg.Go(func() { shown, errs[3] = s.cfg.Pop.RecordJournal(ctx, id) })
	}
	wg.Wait()
	if crm.ErrorCode(errs[0]) == crm.NotFound {
		errs[0] = nil // a record whose account is gone still shows
	}
	for _, err := range errs {
		if err != nil {
			s.fail(w, r, user, err, "")
			return
		}
	}
	p.Account, p.AccountName, p.Shown = acc, acc.DisplayName(), shown
	for _, ss := range rec.Sessions {
		v := sessionView{Session: ss}
		if ss.Summary != nil {
			if sum, err := metadata.SummaryFromMap(ss.Summary); err == nil {
				v.Summary = &sum
			}
		}
		p.Sessions = append(p.Sessions, v)
	}
	for _, c := range comments {
		v := commentView{Comment: c}
		if c.HTML {
			v.Rendered = template.HTML(ugc.Sanitize(c.Body))
		}
		p.Comments = append(p.Comments, v)
	}
	for _, a := range atts {
		v := attachmentView{Attachment: a, URL: "/records/" + id + "/attachments/" + a.ID}
		ct, inline := filetype.Serve(a.ContentType)
		switch {
		case inline && strings.HasPrefix(ct, "audio/"):
			v.Media = "audio"
		case inline && strings.HasPrefix(ct, "video/"):
			v.Media = "video"
		case inline && strings.HasPrefix(ct, "image/"):
			v.Media = "image"
		}
		if a.Kind == "chat_transcript" && a.Size <= maxTranscript && s.cfg.Blobs != nil {
			v.Transcript = s.transcript(r, a)
		}
		p.Attachments = append(p.Attachments, v)
	}
	title := rec.Subject
	if title == "" {
		title = "Record " + rec.ID
	}
	s.render(w, r, http.StatusOK, "record", user, title, p)
}

// transcript reads a chat transcript as text: a text file as it is, a
// JSON one indented; "" when it cannot be read (the download link stays).
func (s *Server) transcript(r *http.Request, a crm.Attachment) string {
	rc, err := s.cfg.Blobs.Read(r.Context(), a.Bucket, a.Object, 0, -1)
	if err != nil {
		s.cfg.Log.WarnContext(r.Context(), "pages: transcript", "attachment", a.ID, "error", err.Error())
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxTranscript))
	if err != nil {
		return ""
	}
	var out bytes.Buffer
	if json.Valid(b) && json.Indent(&out, b, "", "  ") == nil {
		return out.String()
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Limits of the forms (the store checks the fields' own limits): the
// outcome email settings' form with outcome.MaxQueues queues of long
// keys and addresses is the largest.
const maxForm = 1 << 20

func (s *Server) editRecord(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	if !s.checkForm(w, r, user, "/records/"+id) {
		return
	}
	patch := crm.RecordPatch{
		Subject:     strings.TrimSpace(r.PostFormValue("subject")),
		Status:      strings.TrimSpace(r.PostFormValue("status")),
		Description: r.PostFormValue("description"),
	}
	if _, err := s.cfg.Records.UpdateRecord(r.Context(), id, patch); err != nil {
		s.fail(w, r, user, err, "/records/"+id)
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "record edited", "record", id, "user", user)
	http.Redirect(w, r, "/records/"+id, http.StatusSeeOther)
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	if !s.checkForm(w, r, user, "/records/"+id) {
		return
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	if body == "" {
		s.render(w, r, http.StatusUnprocessableEntity, "message", user, "Not saved",
			message{Heading: "Not saved", Text: "The comment is empty.", Back: "/records/" + id})
		return
	}
	if _, _, err := s.cfg.Records.AddComment(r.Context(), id, crm.Comment{Body: body, Author: user}); err != nil {
		s.fail(w, r, user, err, "/records/"+id)
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "comment added", "record", id, "user", user)
	http.Redirect(w, r, "/records/"+id+"#comments", http.StatusSeeOther)
}

// checkForm reads a POSTed form and checks its CSRF token; on failure it
// answers (413, 400 or 403) and returns false.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request, user, back string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		status, text := http.StatusBadRequest, "The form could not be read."
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status, text = http.StatusRequestEntityTooLarge, "The form is too large."
		}
		s.render(w, r, status, "message", user, "Not saved", message{Heading: "Not saved", Text: text, Back: back})
		return false
	}
	if !s.cfg.Signin.CheckCSRF(r) {
		s.render(w, r, http.StatusForbidden, "message", user, "Not saved",
			message{Heading: "Not saved", Text: "The form has expired. Reload the page and try again.", Back: back})
		return false
	}
	return true
}
