package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/crm/shared/browsertest"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
)

// crmPageState is what the CRM page shows: the record frames, which one
// is shown, who the session is with, how many messages it ignored.
type crmPageState struct {
	Shown   string
	Who     string
	Ignored string
	Frames  []struct {
		Session string
		Hidden  bool
		// Mark is what the test wrote into the frame's document (gone
		// when the frame loads again); Text is the document's text.
		Mark string
		Text string
	}
}

// A record frame may be between documents (no documentElement yet).
const crmPageStateJS = `JSON.stringify({shown: document.getElementById('records').dataset.shown || '',
	who: document.getElementById('who').textContent, ignored: document.getElementById('ignored').dataset.count,
	frames: Array.from(document.querySelectorAll('iframe.record')).map(f => ({session: f.dataset.session, hidden: f.hidden,
		mark: f.contentDocument?.documentElement?.dataset.mark || '',
		text: f.contentDocument?.body?.innerText || ''}))})`

// waitCRMPage waits until the CRM page's state satisfies ok and returns
// it.
func waitCRMPage(t *testing.T, ctx context.Context, what string, ok func(crmPageState) bool) crmPageState {
	t.Helper()
	var s crmPageState
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s = crmPageState{}
		if err := json.Unmarshal([]byte(browsertest.Get(t, ctx, chromedp.Evaluate[string](crmPageStateJS))), &s); err != nil {
			t.Fatal(err)
		}
		if ok(s) {
			return s
		}
	}
	t.Fatalf("CRM page: want %s; it shows %s", what, s)
	return s
}

// String summarises the state for a failure message.
func (s crmPageState) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shown %q, who %q, ignored %s, frames:", s.Shown, s.Who, s.Ignored)
	for _, f := range s.Frames {
		text := strings.Join(strings.Fields(f.Text), " ")
		if len(text) > 80 {
			text = text[:80] + "…"
		}
		fmt.Fprintf(&b, " [%s hidden=%v mark=%q %q]", f.Session, f.Hidden, f.Mark, text)
	}
	return b.String()
}

// shownText is the text of the record frame shown.
func (s crmPageState) shownText() string {
	for _, f := range s.Frames {
		if f.Session == s.Shown && !f.Hidden {
			return f.Text
		}
	}
	return ""
}

// clickAdapter clicks the n-th button (from 1) of an adapter frame of the
// CRM page ("call-adapter", "chat-adapter"), or of the third origin's page
// the call adapter frames when foreign is true.
func clickAdapter(t *testing.T, ctx context.Context, frame string, n int, foreign bool) {
	t.Helper()
	node := browsertest.Get(t, ctx, chromedp.Nodes(chromedp.CSS(`iframe[name=`+frame+`]`)))[0]
	if foreign {
		node = browsertest.Get(t, ctx, chromedp.Nodes(chromedp.CSS(`iframe[name=foreign]`), chromedp.FromNode(node)))[0]
	}
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`button:nth-of-type(`+strconv.Itoa(n)+`)`), chromedp.FromNode(node)))
}

// The CRM page on the whole local stack, with the stand-in tenant's
// adapters (localstack.Adapter, the tenant origin the stack configures)
// posting the documented events as an agent takes a call and two chats:
// New_Call shows the caller and the call's record; New_Chat shows each
// chat's record; switching back (Active_Chat) shows the first chat's
// record again without loading it again; the same event posted by a page
// of a third origin is ignored and counted; CRM_Record_Pop shows the
// record and whom it is about. The record pages then show,
// from the Firestore journal, which adapter event showed them to which
// agent.
func TestBrowserCRMPageFollowsTheAdapters(t *testing.T) {
	p := newPlayer(t)
	base := stack.URLs[portal.Pages]
	agent := "agent-" + uniqueID(t) + "@agents.example"
	newSession := func(vars ccaiplayer.Vars) string {
		vars["ACCOUNT_ID"] = call(t, p, "create_account", vars, 201).ID
		return call(t, p, "create_record", vars, 201).ID
	}
	callID, chat1, chat2 := uniqueID(t), uniqueID(t), uniqueID(t)
	callRecord := newSession(ccaiplayer.Vars{"NAME": "Caller " + callID, "PHONE_NUMBER": uniquePhone(t, "1"), "Call_ID": callID,
		"SESSION_TYPE": "Voice Inbound", "TICKET_SUBJECT": "Call " + callID})
	chat1Record := newSession(ccaiplayer.Vars{"NAME": "Chatter " + chat1, "EMAIL": "chat-" + chat1 + "@example.com", "Chat_ID": chat1,
		"SESSION_TYPE": "Messaging (Web)", "TICKET_SUBJECT": "Chat " + chat1})
	newSession(ccaiplayer.Vars{"NAME": "Chatter " + chat2, "EMAIL": "chat-" + chat2 + "@example.com", "Chat_ID": chat2,
		"SESSION_TYPE": "Messaging (Web)", "TICKET_SUBJECT": "Chat " + chat2})
	data := func(key, id string) map[string]any {
		return map[string]any{key: json.Number(id), "agent_id": 1, "agent_email": agent, "queue_id": 8469, "queue_path": "Support / Orders",
			"session_type": map[string]string{"call_id": "Voice Inbound", "chat_id": "messaging inbound (web chat)"}[key]}
	}
	stack.Adapter.SetEvents(
		localstack.AdapterEvent{Adapter: "call", Type: "New_Call", Data: data("call_id", callID)},
		localstack.AdapterEvent{Adapter: "call", Type: "CRM_Record_Pop", Data: map[string]any{"recordUrl": base + "/records/" + callRecord}},
		localstack.AdapterEvent{Adapter: "chat", Type: "New_Chat", Data: data("chat_id", chat1)},
		localstack.AdapterEvent{Adapter: "chat", Type: "New_Chat", Data: data("chat_id", chat2)},
		localstack.AdapterEvent{Adapter: "chat", Type: "Active_Chat", Data: data("chat_id", chat1)},
	)

	login := p.Settings.TestLogin
	ctx := browsertest.New(t, 1200, 900)
	browsertest.Do(t, ctx, chromedp.Navigate(p.Settings.DisplayCRMURL), chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), login.Username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), login.Password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`#records`)),
	)
	for _, name := range []string{"call-adapter", "chat-adapter"} {
		adapter := browsertest.Get(t, ctx, chromedp.Nodes(chromedp.CSS(`iframe[name=`+name+`]`)))[0]
		browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`button`), chromedp.FromNode(adapter)))
	}

	clickAdapter(t, ctx, "call-adapter", 1, false)
	waitCRMPage(t, ctx, "the caller and the call's record", func(s crmPageState) bool {
		return s.Who == "Caller "+callID && s.Shown == "call:"+callID && strings.Contains(s.shownText(), "Call "+callID)
	})
	clickAdapter(t, ctx, "chat-adapter", 1, false)
	waitCRMPage(t, ctx, "the first chat's record", func(s crmPageState) bool {
		return s.Who == "Chatter "+chat1 && s.Shown == "chat:"+chat1 && strings.Contains(s.shownText(), "Chat "+chat1)
	})
	// Marks the first chat's document: loading it again would drop the mark.
	browsertest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector('iframe.record[data-session="chat:`+chat1+`"]').contentDocument.documentElement.dataset.mark = 'first load'`))
	clickAdapter(t, ctx, "chat-adapter", 2, false)
	waitCRMPage(t, ctx, "the second chat's record", func(s crmPageState) bool {
		return s.Who == "Chatter "+chat2 && s.Shown == "chat:"+chat2 && strings.Contains(s.shownText(), "Chat "+chat2)
	})
	clickAdapter(t, ctx, "chat-adapter", 3, false)
	s := waitCRMPage(t, ctx, "the first chat's record again", func(s crmPageState) bool {
		return s.Who == "Chatter "+chat1 && s.Shown == "chat:"+chat1
	})
	if len(s.Frames) != 3 || s.Frames[1].Session != "chat:"+chat1 || s.Frames[1].Mark != "first load" {
		t.Errorf("after switching back to chat %s: %s; want the three records, the first chat's not loaded again", chat1, s)
	}
	// The third origin posts the call's New_Call: ignored and counted.
	clickAdapter(t, ctx, "call-adapter", 1, true)
	s = waitCRMPage(t, ctx, "one ignored message", func(s crmPageState) bool { return s.Ignored == "1" })
	if s.Shown != "chat:"+chat1 || s.Who != "Chatter "+chat1 {
		t.Errorf("after the third origin's New_Call: shows %s for %q, want chat %s still", s.Shown, s.Who, chat1)
	}
	browsertest.Screenshot(t, ctx, "crm-page-adapters")
	// A record pop shows the record and whom it is about.
	clickAdapter(t, ctx, "call-adapter", 2, false)
	waitCRMPage(t, ctx, "the popped call record and its caller", func(s crmPageState) bool {
		return s.Who == "Caller "+callID && s.Shown == base+"/records/"+callRecord && strings.Contains(s.shownText(), "Call "+callID)
	})

	// The record pages show the journal (Active_Chat is posted after the
	// page showed the record again: wait for it).
	// journal checks that the record page shows the events want (in
	// order, newest first), and that byAgent of them name the agent.
	journal := func(record string, byAgent int, want ...string) {
		var text string
		has := func() bool {
			at := 0
			for _, w := range want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					return false
				}
				at += i + len(w)
			}
			return true
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			browsertest.Do(t, ctx, chromedp.Navigate(base+"/records/"+record), chromedp.WaitVisible(chromedp.CSS(`main`)))
			if text = browsertest.Get(t, ctx, chromedp.Evaluate[string](`(document.querySelector('.journal') || {innerText: ''}).innerText`)); has() {
				break
			}
		}
		if !has() {
			t.Errorf("record %s's journal %q, want %q", record, text, want)
		}
		if n := strings.Count(text, login.Username+" (agent "+agent+")"); n != byAgent {
			t.Errorf("record %s's journal %q: %d events shown to %s (agent %s), want %d", record, text, n, login.Username, agent, byAgent)
		}
	}
	// CRM_Record_Pop's data names no agent
	journal(callRecord, 1, "CRM_Record_Pop", "New_Call · call:"+callID)
	journal(chat1Record, 2, "Active_Chat · chat:"+chat1, "New_Chat · chat:"+chat1)
	browsertest.Screenshot(t, ctx, "crm-page-journal")
}
