package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"time"
)

// Comment is a Comment/Note on a record.
type Comment struct {
	ID         string
	Body       string
	HTML       bool
	SessionKey string // the session the comment was made for, if named
	CreatedAt  time.Time
}

// CommentID is the id of a comment: equal record, session and body make
// the same comment, so a retried request does not add a second one.
func CommentID(recordID, sessionKey, body string) string {
	sum := sha256.Sum256([]byte(recordID + "\x00" + sessionKey + "\x00" + body))
	return hex.EncodeToString(sum[:12])
}

var htmlTag = regexp.MustCompile(`(?i)<(/?[a-z][a-z0-9]*)(\s[^<>]*)?/?>|&(amp|lt|gt|quot|nbsp|#[0-9]+);`)

// LooksLikeHTML reports whether body holds HTML markup (a tag or an entity).
func LooksLikeHTML(body string) bool { return htmlTag.MatchString(body) }
