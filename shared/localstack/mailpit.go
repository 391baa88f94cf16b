package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"time"
)

// mailpitTool is mailpit, the SMTP server that keeps what it receives,
// with an HTTP API and a web page; pinned in go.mod as a module tool.
const mailpitTool = "github.com/axllent/mailpit"

// BuildMailpit builds mailpit (the version go.mod pins as a tool) into dir
// and returns the binary's path (see buildTool).
func BuildMailpit(ctx context.Context, dir string) (string, error) {
	return buildTool(ctx, dir, mailpitTool, "mailpit")
}

// Mailpit is a running mailpit.
type Mailpit struct {
	*Process
	SMTP string // host:port of its SMTP server (plain, any sender and recipient)
	Web  string // base URL of its web page and API ("http://127.0.0.1:8025")
}

// StartMailpit starts mailpit from bin (BuildMailpit; empty runs `go tool
// mailpit`, slower to start) with its SMTP server on smtpAddr and its web
// page and API (/api/v1/messages) on webAddr, keeping messages in a
// temporary database it deletes when it stops (":memory:" would make a file
// of that name in the working directory),
// and waits until both answer. extra are more mailpit flags (for example
// --smtp-allowed-recipients REGEXP, which refuses other recipients with a
// 5xx reply).
func StartMailpit(ctx context.Context, bin, smtpAddr, webAddr string, log io.Writer, extra ...string) (*Mailpit, error) {
	if log == nil {
		log = io.Discard
	}
	args := append([]string{"--smtp", smtpAddr, "--listen", webAddr,
		"--smtp-disable-rdns", "--disable-version-check"}, extra...)
	var cmd *exec.Cmd
	if bin == "" {
		cmd = exec.Command("go", append([]string{"tool", "mailpit"}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	p, err := start("mailpit", cmd, log)
	if err != nil {
		return nil, err
	}
	limit := 30 * time.Second
	if bin == "" {
		limit = 3 * time.Minute // go tool may have to build it first
	}
	err = waitHTTP(ctx, p, webAddr, limit)
	if err == nil {
		err = waitTCP(ctx, p, smtpAddr, limit)
	}
	if err != nil {
		p.Stop()
		return nil, fmt.Errorf("mailpit on %s and %s: %w", smtpAddr, webAddr, err)
	}
	return &Mailpit{Process: p, SMTP: smtpAddr, Web: "http://" + webAddr}, nil
}

// MailpitMessage is a message mailpit kept, as its API lists it.
type MailpitMessage struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Messages lists the messages mailpit kept, newest first (its API's
// GET /api/v1/messages; up to 500).
func (m *Mailpit) Messages(ctx context.Context) ([]MailpitMessage, error) {
	var list struct {
		Messages []MailpitMessage `json:"messages"`
	}
	b, err := m.get(ctx, "/api/v1/messages?limit=500")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("mailpit messages: %w", err)
	}
	return list.Messages, nil
}

// Raw returns a kept message as it was received (GET
// /api/v1/message/{ID}/raw).
func (m *Mailpit) Raw(ctx context.Context, id string) ([]byte, error) {
	return m.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

func (m *Mailpit) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.Web+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mailpit %s: %s %s", path, resp.Status, b)
	}
	return b, nil
}
