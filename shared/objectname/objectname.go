// Package objectname recognises the object names CCAI Platform writes into
// the external storage bucket: recordings, voicemails, media, chat and email
// transcripts and session metadata files.
//
// Two layouts are recognised under the portal's Folder Path:
//
//   - the documented legacy layout, one ujet-* folder per kind
//     (ujet-voice-recordings, ujet-voicemails, ujet-media,
//     ujet-chat-transcripts, ujet-metadata), with optional date folders
//     before and after it. Only the names of that folder's kinds are
//     accepted there: chat-12.mp3 in ujet-voice-recordings is rejected.
//     Only date folders may sit around a ujet-* folder: "x/ujet-media/..."
//     belongs to some other folder path and is rejected;
//   - newer layouts (folders like metadata/ or recordings/, or none): any
//     folders, and the Kind follows from the file name alone.
//
// Session ids are runs of [A-Za-z0-9_] joined by single hyphens. In names
// with a marker after the id (call-{id}-photo-{media}.jpg,
// call-{id}-voicemail.mp3, voicemails with a suffix) the id ends at the first
// hyphen that can start the marker.
package objectname

import (
	"regexp"
	"strings"
	"time"
)

// Kind is the kind of file an object name stands for.
type Kind string

// The kinds of file CCAI Platform writes.
const (
	// Recording is a call recording: call-{id}.mp3 or .wav.
	Recording Kind = "call_recording"
	// Voicemail is a call's voicemail audio: call-{id}[-suffix].mp3, .wav,
	// .m4a or .ogg in ujet-voicemails; call-{id}-voicemail[-suffix].ext
	// elsewhere.
	Voicemail Kind = "voicemail"
	// Photo is an end-user photo: {call|chat}-{id}-photo-{media}.jpg, .jpeg or .png.
	Photo Kind = "photo"
	// Video is an end-user video: {call|chat}-{id}-video-{media}.mp4 or .mov.
	Video Kind = "video"
	// Transcript is a chat transcript: chat-{id}.txt (also .json in
	// ujet-chat-transcripts).
	Transcript Kind = "chat_transcript"
	// Metadata is a session metadata file: {call|chat}-{id}.json or
	// metadata-{id}.json or .txt.
	Metadata Kind = "session_metadata"
	// EmailTranscript is an email transcript: email-{id}.pdf.
	EmailTranscript Kind = "email_transcript"
)

// Name is a recognised object name.
type Name struct {
	Kind Kind
	// SessionKind is "call", "chat", "email" (email-{id}.pdf), or "" when
	// the name does not tell (metadata-{id}.json: the file's content does).
	SessionKind string
	// SessionID is the {id} of the name, never empty.
	SessionID string
	// MediaID is the photo or video id, else "".
	MediaID string
	// Ext is the extension without its dot, lower-case: "mp3", "json".
	Ext string
	// Folder is the ujet-* folder holding the file, or "" when the file is
	// not under one.
	Folder string
}

const (
	id     = `[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*`
	idLazy = `[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*?`
)

// pattern is one file name pattern. Its regexp has the groups s (session
// kind, optional), id, media (optional) and ext.
type pattern struct {
	kind Kind
	re   *regexp.Regexp
}

func newPattern(kind Kind, expr string) pattern {
	return pattern{kind: kind, re: regexp.MustCompile(expr)}
}

var (
	recording      = newPattern(Recording, `^(?P<s>call)-(?P<id>`+id+`)\.(?P<ext>(?i:mp3|wav))$`)
	voicemailAny   = newPattern(Voicemail, `^(?P<s>call)-(?P<id>`+idLazy+`)(?:-`+id+`)?\.(?P<ext>(?i:mp3|wav|m4a|ogg))$`)
	voicemailNamed = newPattern(Voicemail, `^(?P<s>call)-(?P<id>`+idLazy+`)-voicemail(?:-`+id+`)?\.(?P<ext>(?i:mp3|wav|m4a|ogg))$`)
	photo          = newPattern(Photo, `^(?P<s>call|chat)-(?P<id>`+idLazy+`)-photo-(?P<media>`+id+`)\.(?P<ext>(?i:jpg|jpeg|png))$`)
	video          = newPattern(Video, `^(?P<s>call|chat)-(?P<id>`+idLazy+`)-video-(?P<media>`+id+`)\.(?P<ext>(?i:mp4|mov))$`)
	transcriptAny  = newPattern(Transcript, `^(?P<s>chat)-(?P<id>`+id+`)\.(?P<ext>(?i:txt|json))$`)
	transcriptTxt  = newPattern(Transcript, `^(?P<s>chat)-(?P<id>`+id+`)\.(?P<ext>(?i:txt))$`)
	sessionMeta    = newPattern(Metadata, `^(?P<s>call|chat)-(?P<id>`+id+`)\.(?P<ext>(?i:json))$`)
	newMeta        = newPattern(Metadata, `^metadata-(?P<id>`+id+`)\.(?P<ext>(?i:json|txt))$`)
	email          = newPattern(EmailTranscript, `^(?P<s>email)-(?P<id>`+id+`)\.(?P<ext>(?i:pdf))$`)
)

// ujetFolders lists the patterns accepted in each legacy folder.
var ujetFolders = map[string][]pattern{
	"ujet-voice-recordings": {recording},
	"ujet-voicemails":       {voicemailAny},
	"ujet-media":            {photo, video},
	"ujet-chat-transcripts": {transcriptAny},
	"ujet-metadata":         {sessionMeta, newMeta},
}

// anywhere lists the patterns accepted outside the ujet-* folders, where the
// name alone tells the kind. Order matters: call-1-voicemail.mp3 is a
// voicemail before it is a recording of call "1-voicemail", and chat-{id}.json
// is metadata (Google's own samples write metadata/chat-135.json).
var anywhere = []pattern{voicemailNamed, recording, photo, video, transcriptTxt, sessionMeta, newMeta, email}

// Parse recognises object, the full object name in the bucket, under
// folderPath, the portal's optional Folder Path ("" or segments such as
// "ccaip/prod"; surrounding slashes are ignored). ok is false for names
// outside folderPath, directory placeholders, hidden or temporary files,
// empty or hidden folders, and any name that follows none of the patterns.
func Parse(object, folderPath string) (Name, bool) {
	rel := object
	if prefix := strings.Trim(folderPath, "/"); prefix != "" {
		rest, ok := strings.CutPrefix(object, prefix+"/")
		if !ok {
			return Name{}, false
		}
		rel = rest
	}
	segs := strings.Split(rel, "/")
	file, dirs := segs[len(segs)-1], segs[:len(segs)-1]
	for _, d := range dirs {
		if !validDir(d) {
			return Name{}, false
		}
	}
	for i, d := range dirs {
		patterns, ok := ujetFolders[d]
		if !ok {
			continue
		}
		if !dateFolders(dirs[:i]) || !dateFolders(dirs[i+1:]) {
			return Name{}, false
		}
		n, ok := match(file, patterns)
		if !ok {
			return Name{}, false
		}
		n.Folder = d
		return n, true
	}
	return match(file, anywhere)
}

func match(file string, patterns []pattern) (Name, bool) {
	for _, p := range patterns {
		m := p.re.FindStringSubmatch(file)
		if m == nil {
			continue
		}
		n := Name{Kind: p.kind}
		for i, group := range p.re.SubexpNames() {
			switch group {
			case "s":
				n.SessionKind = m[i]
			case "id":
				n.SessionID = m[i]
			case "media":
				n.MediaID = m[i]
			case "ext":
				n.Ext = strings.ToLower(m[i])
			}
		}
		return n, true
	}
	return Name{}, false
}

// validDir rejects empty segments ("a//b", a leading slash), hidden and
// relative folders, and control characters.
func validDir(d string) bool {
	if d == "" || d[0] == '.' {
		return false
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// dateFolders reports whether segs is empty or one date: YYYY/MM/DD,
// YYYY-MM-DD or YYYY/MM, with a real calendar day.
func dateFolders(segs []string) bool {
	var value, layout string
	switch len(segs) {
	case 0:
		return true
	case 1:
		value, layout = segs[0], "2006-01-02"
	case 2:
		value, layout = segs[0]+"/"+segs[1], "2006/01"
	case 3:
		value, layout = strings.Join(segs, "/"), "2006/01/02"
	default:
		return false
	}
	if len(value) != len(layout) {
		return false
	}
	_, err := time.Parse(layout, value)
	return err == nil
}
