package metadata

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// summarize builds the Summary of raw, all but its ID.
func summarize(r *reader, raw map[string]any, kindHint string) Summary {
	var s Summary
	s.Kind = kind(r, raw, kindHint)
	s.Type = r.str(raw, "", s.Kind+"_type")
	if s.Kind == "" || s.Type == "" {
		s.Type = r.str(raw, "", "session_type")
	}
	s.Status = r.str(raw, "", "status")
	if _, numeric := raw["status"].(json.Number); numeric {
		s.Status = statusName(s.Status)
	}
	s.Ended, s.Finished = ended(s.Status)
	s.FailReason = r.str(raw, "", "fail_reason")

	s.CreatedAt = r.time(raw, "", "created_at")
	s.QueuedAt = r.time(raw, "", "queued_at")
	s.AssignedAt = r.time(raw, "", "assigned_at")
	s.ConnectedAt = r.time(raw, "", "connected_at")
	s.EndedAt = r.time(raw, "", "ends_at")
	if s.EndedAt.IsZero() {
		s.EndedAt = r.time(raw, "", "ended_at")
	}
	s.UpdatedAt = r.time(raw, "", "updated_at")
	s.StartedAt = r.time(raw, "", "started_at")
	if s.StartedAt.IsZero() {
		s.StartedAt = earliest(s.ConnectedAt, s.AssignedAt)
	}

	s.DurationSeconds = duration(r, raw, s.Kind)
	s.WaitSeconds, _ = r.seconds(raw, "", "wait_duration")
	s.HoldSeconds, _ = r.seconds(raw, "", "hold_duration")

	s.QueueName = r.str(r.object(raw, "", "selected_menu"), "selected_menu.", "name")
	switch mp := raw["menu_path"].(type) {
	case string: // the shape of handle_durations[].menu_path
		s.QueuePath = mp
	default:
		m := r.object(raw, "", "menu_path")
		s.QueuePath = r.str(m, "menu_path.", "name")
		s.MenuPath = r.str(m, "menu_path.", "materialized_path")
	}
	if s.QueuePath == "" {
		s.QueuePath = s.QueueName
	}

	if info := r.object(raw, "", "agent_info"); info != nil {
		s.Agent = agent(r, info, "agent_info.")
	} else {
		s.Agent = lastAgentParticipant(r, raw)
	}

	s.RecordID = r.str(raw, "", "out_ticket_id")
	s.RecordURL = r.str(raw, "", "out_ticket_url")
	s.RecordIsAccount = r.boolean(raw, "", "is_out_ticket_account")
	endUser := r.object(raw, "", "end_user")
	s.AccountID = r.str(endUser, "end_user.", "out_contact_id")
	s.EndUser = endUserOf(r, raw, endUser)

	s.CSAT = csat(r, raw)
	s.Dispositions = dispositions(r, raw)
	s.Transfers = transfers(r, raw)
	return s
}

// kinds are the session kinds, each with the session type prefix that
// tells it ("Voice Inbound (IVR)", "Messaging Inbound (Web Chat)", "Email
// Inbound").
var kinds = []struct{ kind, typePrefix string }{
	{"call", "voice"},
	{"chat", "messaging"},
	{"email", "email"},
}

// kind tells call from chat from email; see Summary.Kind.
func kind(r *reader, raw map[string]any, hint string) string {
	k := onlyPresent(raw, "_type")
	if k == "" {
		for _, key := range []string{"session_type", "session_type_v2"} {
			t, _ := raw[key].(string)
			t = strings.ToLower(strings.TrimSpace(t))
			for _, c := range kinds {
				if strings.HasPrefix(t, c.typePrefix) {
					k = c.kind
				}
			}
			if k != "" {
				break
			}
		}
	}
	if k == "" {
		k = onlyPresent(raw, "_duration")
	}
	if k == "" {
		return hint
	}
	if hint != "" && hint != k {
		r.warn("kind", "the name says %s, the content %s", hint, k)
	}
	return k
}

// onlyPresent returns the kind k when raw has k+suffix ("call_type") and
// no other kind's field with that suffix, else "".
func onlyPresent(raw map[string]any, suffix string) string {
	found := ""
	for _, c := range kinds {
		if present(raw, c.kind+suffix) {
			if found != "" {
				return ""
			}
			found = c.kind
		}
	}
	return found
}

// duration is the session's own kind's duration, else another kind's.
func duration(r *reader, raw map[string]any, kind string) int {
	keys := []string{kind + "_duration"}
	for _, c := range kinds {
		if c.kind != kind {
			keys = append(keys, c.kind+"_duration")
		}
	}
	for _, key := range keys {
		if n, ok := r.seconds(raw, "", key); ok {
			return n
		}
	}
	return 0
}

func earliest(times ...time.Time) time.Time {
	var first time.Time
	for _, t := range times {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// agent reads an agent_info-shaped object: human {id, email, name,
// first_name, last_name, ...} or virtual {id, name, va_alias, avatar_url}.
func agent(r *reader, m map[string]any, path string) Agent {
	if m == nil {
		return Agent{}
	}
	_, virtual := m["va_alias"]
	return Agent{
		ID:      r.str(m, path, "id"),
		Name:    fullName(r, m, path),
		Email:   r.str(m, path, "email"),
		Virtual: virtual,
	}
}

// fullName is name, else first_name and last_name.
func fullName(r *reader, m map[string]any, path string) string {
	if name := strings.TrimSpace(r.str(m, path, "name")); name != "" {
		return name
	}
	return strings.TrimSpace(r.str(m, path, "first_name") + " " + r.str(m, path, "last_name"))
}

// lastAgentParticipant is the agent of the last participant of type
// "agent", for files without agent_info.
func lastAgentParticipant(r *reader, raw map[string]any) Agent {
	ps := r.array(raw, "", "participants")
	for i := len(ps) - 1; i >= 0; i-- {
		p, _ := ps[i].(map[string]any)
		if t, _ := p["type"].(string); t != "agent" {
			continue
		}
		path := fmt.Sprintf("participants[%d].", i)
		return Agent{
			ID:    r.str(p, path, "user_id"),
			Name:  fullName(r, p, path),
			Email: r.str(p, path, "email"),
		}
	}
	return Agent{}
}

func endUserOf(r *reader, raw, m map[string]any) EndUser {
	u := EndUser{
		ID:         r.str(m, "end_user.", "id"),
		Identifier: r.str(m, "end_user.", "identifier"),
		Name:       fullName(r, m, "end_user."),
	}
	u.Email = r.str(raw, "", "email")
	if u.Email == "" {
		u.Email = r.str(m, "end_user.", "email")
	}
	if u.Email == "" && looksLikeEmail(u.Identifier) {
		u.Email = u.Identifier
	}
	for i, p := range r.array(raw, "", "participants") {
		p, _ := p.(map[string]any)
		if t, _ := p["type"].(string); t != "end_user" {
			continue
		}
		if u.Phone = r.str(p, fmt.Sprintf("participants[%d].", i), "phone_number"); u.Phone != "" {
			break
		}
	}
	if u.Phone == "" {
		u.Phone = r.str(m, "end_user.", "phone_number")
	}
	return u
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}

func csat(r *reader, raw map[string]any) *CSAT {
	rating, rated := r.seconds(raw, "", "rating")
	feedback := r.str(raw, "", "feedback")
	if !rated && feedback == "" {
		return nil
	}
	return &CSAT{Rating: rating, Feedback: feedback}
}

func dispositions(r *reader, raw map[string]any) []Disposition {
	var ds []Disposition
	for i, v := range r.array(raw, "", "dispositions") {
		path := fmt.Sprintf("dispositions[%d].", i)
		m, ok := v.(map[string]any)
		if !ok {
			r.warn(path, "want an object, got %T", v)
			continue
		}
		d := Disposition{
			Code:    r.str(m, path, "code"),
			Path:    r.str(m, path, "list_path"),
			Notes:   r.str(m, path, "note"),
			AgentID: r.str(m, path, "user_id"),
		}
		if d.Path == "" {
			d.Path = r.str(m, path, "list")
		}
		ds = append(ds, d)
	}
	return ds
}

func transfers(r *reader, raw map[string]any) []Transfer {
	var ts []Transfer
	for i, v := range r.array(raw, "", "transfers") {
		path := fmt.Sprintf("transfers[%d].", i)
		m, ok := v.(map[string]any)
		if !ok {
			r.warn(path, "want an object, got %T", v)
			continue
		}
		ts = append(ts, Transfer{
			From:      queueName(r, m, path, "from"),
			To:        queueName(r, m, path, "to"),
			FromAgent: transferAgent(r, m, path, "from"),
			ToAgent:   transferAgent(r, m, path, "to"),
			Status:    r.str(m, path, "status"),
			At:        r.time(m, path, "created_at"),
		})
	}
	return ts
}

// queueName is {side}_menu_path.name, else {side}_menu.name (the Apps API
// shape).
func queueName(r *reader, m map[string]any, path, side string) string {
	if name := r.str(r.object(m, path, side+"_menu_path"), path+side+"_menu_path.", "name"); name != "" {
		return name
	}
	return r.str(r.object(m, path, side+"_menu"), path+side+"_menu.", "name")
}

// transferAgent is {side}_agent, else {side}_virtual_agent.
func transferAgent(r *reader, m map[string]any, path, side string) Agent {
	if a := r.object(m, path, side+"_agent"); a != nil {
		return agent(r, a, path+side+"_agent.")
	}
	if a := r.object(m, path, side+"_virtual_agent"); a != nil {
		va := agent(r, a, path+side+"_virtual_agent.")
		va.Virtual = true
		return va
	}
	return Agent{}
}
