package gcpfirestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"example.com/crm/shared/crm"
)

type commentDoc struct {
	Body       string    `firestore:"body"`
	HTML       bool      `firestore:"html"`
	SessionKey string    `firestore:"session_key"`
	Author     string    `firestore:"author,omitempty"`
	CreatedAt  time.Time `firestore:"created_at"`
}

// AddComment implements crm.RecordStore: the comment's id is its
// crm.CommentID, so a repeated comment finds the first one.
func (s *Store) AddComment(ctx context.Context, recordID string, c crm.Comment) (crm.Comment, bool, error) {
	if !validID(recordID) {
		return crm.Comment{}, false, crm.Errorf(crm.NotFound, "record %q not found", recordID)
	}
	if err := c.Validate(); err != nil {
		return crm.Comment{}, false, err
	}
	rec := s.client.Collection(recordsCol).Doc(recordID)
	if _, err := rec.Get(ctx); status.Code(err) == codes.NotFound {
		return crm.Comment{}, false, crm.Errorf(crm.NotFound, "record %q not found", recordID)
	} else if err != nil {
		return crm.Comment{}, false, storeError("get record "+recordID, err)
	}
	c.ID = crm.CommentID(recordID, c.SessionKey, c.Body, c.Author)
	c.CreatedAt = s.Now()
	ref := rec.Collection(commentsCol).Doc(c.ID)
	_, err := ref.Create(ctx, commentDoc{Body: c.Body, HTML: c.HTML, SessionKey: c.SessionKey, Author: c.Author, CreatedAt: c.CreatedAt})
	if isAlreadyExists(err) {
		snap, err := ref.Get(ctx)
		if err != nil {
			return crm.Comment{}, false, storeError("get comment", err)
		}
		return decodeComment(snap), false, nil
	}
	if err != nil {
		return crm.Comment{}, false, storeError("add comment", err)
	}
	if _, err := rec.Update(ctx, []firestore.Update{{Path: "updated_at", Value: c.CreatedAt}}); err != nil {
		return crm.Comment{}, false, storeError("touch record "+recordID, err)
	}
	return c, true, nil
}

func decodeComment(snap *firestore.DocumentSnapshot) crm.Comment {
	var d commentDoc
	_ = snap.DataTo(&d)
	return crm.Comment{ID: snap.Ref.ID, Body: d.Body, HTML: d.HTML, SessionKey: d.SessionKey, Author: d.Author, CreatedAt: d.CreatedAt}
}

// Comments implements crm.RecordStore.
func (s *Store) Comments(ctx context.Context, recordID string) ([]crm.Comment, error) {
	snaps, err := s.client.Collection(recordsCol).Doc(recordID).Collection(commentsCol).
		OrderBy("created_at", firestore.Asc).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError("list comments of "+recordID, err)
	}
	out := make([]crm.Comment, 0, len(snaps))
	for _, snap := range snaps {
		out = append(out, decodeComment(snap))
	}
	return out, nil
}
