package ingest

import (
	"context"
	"time"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/metadata"
)

// SessionOf is the session a metadata file's summary tells of, as its
// record keeps it: kind, id, status, the version (updated_at), whether it
// ended, and the whole summary (metadata.Summary.Map).
func SessionOf(sum metadata.Summary) crm.Session {
	return crm.Session{
		Kind: crm.SessionKind(sum.Kind), ID: sum.ID, Status: sum.Status,
		MetadataUpdatedAt: sum.UpdatedAt, Ended: sum.Ended, Summary: sum.Map(),
	}
}

// FinishedByUpdate schedules the outcome email of the sessions a record
// update (p, applied to rec) says finished: its status, or a session
// status field among its custom fields (ccai.SessionStatusFields), is
// "finished" (metadata.Finished). The sessions are those p names, else
// the record's newest. Scheduling again what the session's metadata (or
// an earlier update) scheduled creates nothing new.
func (s Service) FinishedByUpdate(ctx context.Context, rec crm.Record, p crm.RecordPatch) error {
	if s.Outcomes == nil || !finishedByPatch(p) {
		return nil
	}
	sessions := p.Sessions
	if len(sessions) == 0 && len(rec.Sessions) > 0 {
		sessions = rec.Sessions[len(rec.Sessions)-1:]
	}
	for _, sess := range sessions {
		if err := s.Outcomes.SessionFinished(ctx, rec.ID, sess.Key(), time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

func finishedByPatch(p crm.RecordPatch) bool {
	if metadata.Finished(p.Status) {
		return true
	}
	for k, v := range p.Custom {
		if ccai.Is(k, ccai.SessionStatusFields) && metadata.Finished(v) {
			return true
		}
	}
	return false
}
