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
	// Author is the CRM user who wrote it on the agent pages; "" for the
	// Generic API's comments (CCAI Platform's).
	Author    string
	CreatedAt time.Time
}

// CommentID is the id of a comment: equal record, session, body and
// author make the same comment, so a retried request does not add a
// second one, while two users writing the same words add two. Without an
// author (the Generic API's), the id is what it always was.
func CommentID(recordID, sessionKey, body, author string) string {
	key := recordID + "\x00" + sessionKey + "\x00" + body
	if author != "" {
		key = "author\x00" + author + "\x00" + key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// htmlTag matches a common HTML tag, with no attributes or with at least
// one name=value attribute, or an entity: "<ENTER>" and "a<b and c>d" are
// not markup.
var htmlTag = regexp.MustCompile(`(?i)</?(p|br|hr|div|span|b|i|u|s|em|strong|small|sub|sup|a|img|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|td|th|h[1-6]|pre|code|blockquote|font|center)(\s+[^<>]*=[^<>]*)?\s*/?>|&(amp|lt|gt|quot|nbsp|#[0-9]+);`)

// LooksLikeHTML reports whether body holds HTML markup (a common tag or an
// entity).
func LooksLikeHTML(body string) bool { return htmlTag.MatchString(body) }
