package ingest

import (
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
