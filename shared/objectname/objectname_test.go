package objectname_test

import (
	"strings"
	"testing"

	"example.com/crm/shared/objectname"
)

func TestParseMatches(t *testing.T) {
	call := func(k objectname.Kind, id, ext, folder string) objectname.Name {
		return objectname.Name{Kind: k, SessionKind: "call", SessionID: id, Ext: ext, Folder: folder}
	}
	chat := func(k objectname.Kind, id, ext, folder string) objectname.Name {
		return objectname.Name{Kind: k, SessionKind: "chat", SessionID: id, Ext: ext, Folder: folder}
	}
	media := func(n objectname.Name, mediaID string) objectname.Name {
		n.MediaID = mediaID
		return n
	}
	tests := []struct {
		name, object, folderPath string
		want                     objectname.Name
	}{
		// ujet-voice-recordings
		{"recording mp3", "ujet-voice-recordings/call-1418.mp3", "", call(objectname.Recording, "1418", "mp3", "ujet-voice-recordings")},
		{"recording wav", "ujet-voice-recordings/call-1418.wav", "", call(objectname.Recording, "1418", "wav", "ujet-voice-recordings")},
		{"recording upper-case ext", "ujet-voice-recordings/call-1418.MP3", "", call(objectname.Recording, "1418", "mp3", "ujet-voice-recordings")},
		{"recording mixed-case ext", "ujet-voice-recordings/call-7.Wav", "", call(objectname.Recording, "7", "wav", "ujet-voice-recordings")},
		{"recording folder path", "ccaip/ujet-voice-recordings/call-1418.mp3", "ccaip", call(objectname.Recording, "1418", "mp3", "ujet-voice-recordings")},
		{"recording deep folder path", "ccaip/prod/ujet-voice-recordings/call-1418.mp3", "ccaip/prod", call(objectname.Recording, "1418", "mp3", "ujet-voice-recordings")},
		{"recording folder path with slashes", "ccaip/prod/ujet-voice-recordings/call-1418.mp3", "/ccaip/prod/", call(objectname.Recording, "1418", "mp3", "ujet-voice-recordings")},
		{"recording date before", "2025/09/30/ujet-voice-recordings/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "ujet-voice-recordings")},
		{"recording date after", "ujet-voice-recordings/2025/09/30/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "ujet-voice-recordings")},
		{"recording dash date after", "ujet-voice-recordings/2025-09-30/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "ujet-voice-recordings")},
		{"recording month after", "ujet-voice-recordings/2025/09/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "ujet-voice-recordings")},
		{"recording dates both sides", "p/2025-09-30/ujet-voice-recordings/2025/09/30/call-1.mp3", "p", call(objectname.Recording, "1", "mp3", "ujet-voice-recordings")},
		{"recording id with letters", "ujet-voice-recordings/call-a_B-9.mp3", "", call(objectname.Recording, "a_B-9", "mp3", "ujet-voice-recordings")},
		// ujet-voicemails
		{"voicemail plain", "ujet-voicemails/call-12.mp3", "", call(objectname.Voicemail, "12", "mp3", "ujet-voicemails")},
		{"voicemail wav", "ujet-voicemails/call-12.wav", "", call(objectname.Voicemail, "12", "wav", "ujet-voicemails")},
		{"voicemail suffix", "ujet-voicemails/call-12-voicemail.m4a", "", call(objectname.Voicemail, "12", "m4a", "ujet-voicemails")},
		{"voicemail long suffix", "ujet-voicemails/call-12-voicemail-2.OGG", "", call(objectname.Voicemail, "12", "ogg", "ujet-voicemails")},
		{"voicemail folder path and date", "a/b/ujet-voicemails/2024-02-29/call-12.mp3", "a/b", call(objectname.Voicemail, "12", "mp3", "ujet-voicemails")},
		// ujet-media
		{"call photo", "ujet-media/call-12-photo-3.jpg", "", media(call(objectname.Photo, "12", "jpg", "ujet-media"), "3")},
		{"call photo jpeg", "ujet-media/call-12-photo-3.JPEG", "", media(call(objectname.Photo, "12", "jpeg", "ujet-media"), "3")},
		{"call photo png", "ujet-media/call-12-photo-3.png", "", media(call(objectname.Photo, "12", "png", "ujet-media"), "3")},
		{"chat photo", "ujet-media/chat-135-photo-77.jpg", "", media(chat(objectname.Photo, "135", "jpg", "ujet-media"), "77")},
		{"call video", "ujet-media/call-12-video-4.mp4", "", media(call(objectname.Video, "12", "mp4", "ujet-media"), "4")},
		{"chat video mov", "ujet-media/chat-135-video-4.MOV", "", media(chat(objectname.Video, "135", "mov", "ujet-media"), "4")},
		{"media folder path and dates", "x/2025/01/ujet-media/2025/01/31/chat-1-photo-2.png", "x", media(chat(objectname.Photo, "1", "png", "ujet-media"), "2")},
		// ujet-chat-transcripts
		{"transcript txt", "ujet-chat-transcripts/chat-135.txt", "", chat(objectname.Transcript, "135", "txt", "ujet-chat-transcripts")},
		{"transcript json", "ujet-chat-transcripts/chat-135.json", "", chat(objectname.Transcript, "135", "json", "ujet-chat-transcripts")},
		{"transcript TXT", "f/ujet-chat-transcripts/chat-135.TXT", "f", chat(objectname.Transcript, "135", "txt", "ujet-chat-transcripts")},
		// ujet-metadata
		{"call metadata", "ujet-metadata/call-1418.json", "", call(objectname.Metadata, "1418", "json", "ujet-metadata")},
		{"chat metadata", "ujet-metadata/chat-135.json", "", chat(objectname.Metadata, "135", "json", "ujet-metadata")},
		{"metadata upper-case", "ujet-metadata/call-1418.JSON", "", call(objectname.Metadata, "1418", "json", "ujet-metadata")},
		{"new metadata json in ujet folder", "ujet-metadata/metadata-9.json", "", objectname.Name{Kind: objectname.Metadata, SessionID: "9", Ext: "json", Folder: "ujet-metadata"}},
		{"metadata folder path and date", "ccaip/prod/ujet-metadata/2025/09/30/chat-135.json", "ccaip/prod", chat(objectname.Metadata, "135", "json", "ujet-metadata")},
		// newer layouts: kind from the name alone
		{"metadata folder", "metadata/call-1418.json", "", call(objectname.Metadata, "1418", "json", "")},
		{"google sample path", "iva-prober-gxjs4ra.ew1/metadata/chat-135.json", "iva-prober-gxjs4ra.ew1", chat(objectname.Metadata, "135", "json", "")},
		{"metadata dated folder", "metadata/2025/09/30/call-337.json", "", call(objectname.Metadata, "337", "json", "")},
		{"dated bucket root", "2026/09/07/call-1418.json", "", call(objectname.Metadata, "1418", "json", "")},
		{"directly under folder path", "ccaip/call-1418.json", "ccaip", call(objectname.Metadata, "1418", "json", "")},
		{"bucket root", "chat-135.json", "", chat(objectname.Metadata, "135", "json", "")},
		{"new metadata json", "metadata-55.json", "", objectname.Name{Kind: objectname.Metadata, SessionID: "55", Ext: "json"}},
		{"new metadata txt", "p/metadata/metadata-55.TXT", "p", objectname.Name{Kind: objectname.Metadata, SessionID: "55", Ext: "txt"}},
		{"email transcript", "emails/email-8.pdf", "", objectname.Name{Kind: objectname.EmailTranscript, SessionKind: "email", SessionID: "8", Ext: "pdf"}},
		{"email transcript root", "email-8.PDF", "", objectname.Name{Kind: objectname.EmailTranscript, SessionKind: "email", SessionID: "8", Ext: "pdf"}},
		{"recording anywhere", "recordings/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "")},
		{"recording any folder depth", "a/b/c/call-1.wav", "", call(objectname.Recording, "1", "wav", "")},
		{"voicemail anywhere", "voicemails/call-1-voicemail.wav", "", call(objectname.Voicemail, "1", "wav", "")},
		{"photo anywhere", "media/call-1-photo-2.jpg", "", media(call(objectname.Photo, "1", "jpg", ""), "2")},
		{"video anywhere", "chat-1-video-2.mp4", "", media(chat(objectname.Video, "1", "mp4", ""), "2")},
		{"transcript anywhere", "transcripts/chat-1.txt", "", chat(objectname.Transcript, "1", "txt", "")},
		{"unknown ujet-like folder is any folder", "ujet-other/call-1.mp3", "", call(objectname.Recording, "1", "mp3", "")},
		{"upper-case ujet folder is any folder", "UJET-MEDIA/call-1-photo-2.jpg", "", media(call(objectname.Photo, "1", "jpg", ""), "2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := objectname.Parse(tt.object, tt.folderPath)
			if !ok {
				t.Fatalf("Parse(%q, %q) ok = false, want %+v", tt.object, tt.folderPath, tt.want)
			}
			if got != tt.want {
				t.Errorf("Parse(%q, %q)\n got %+v\nwant %+v", tt.object, tt.folderPath, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, object, folderPath string
	}{
		{"empty", "", ""},
		{"empty id", "ujet-voice-recordings/call-.mp3", ""},
		{"empty id anywhere", "call-.mp3", ""},
		{"space in id", "ujet-voice-recordings/call-abc def.mp3", ""},
		{"trailing space", "ujet-voice-recordings/call-1.mp3 ", ""},
		{"leading hyphen id", "call--1.mp3", ""},
		{"trailing hyphen id", "call-1-.mp3", ""},
		{"double hyphen id", "call-1--2.mp3", ""},
		{"dot in id", "call-1.2.mp3", ""},
		{"chat recording", "ujet-voice-recordings/chat-12.mp3", ""},
		{"chat recording anywhere", "recordings/chat-12.mp3", ""},
		{"recording unknown ext", "ujet-voice-recordings/call-12.ogg", ""},
		{"recording m4a anywhere", "call-12.m4a", ""},
		{"recording no ext", "ujet-voice-recordings/call-12", ""},
		{"recording in media", "ujet-media/call-12.mp3", ""},
		{"recording in metadata", "ujet-metadata/call-12.mp3", ""},
		{"chat voicemail", "ujet-voicemails/chat-12.mp3", ""},
		{"voicemail empty suffix", "ujet-voicemails/call-12-.mp3", ""},
		{"voicemail double extension", "ujet-voicemails/call-12.mp3.mp3", ""},
		{"photo without media id", "ujet-media/call-12-photo-.jpg", ""},
		{"photo without session id", "ujet-media/call-photo-3.jpg", ""},
		{"photo wrong ext", "ujet-media/call-12-photo-3.gif", ""},
		{"photo mp4", "ujet-media/call-12-photo-3.mp4", ""},
		{"video jpg", "ujet-media/call-12-video-3.jpg", ""},
		{"media unknown type", "ujet-media/call-12-audio-3.mp3", ""},
		{"email photo", "ujet-media/email-12-photo-3.jpg", ""},
		{"call transcript", "ujet-chat-transcripts/call-12.txt", ""},
		{"call transcript json", "ujet-chat-transcripts/call-12.json", ""},
		{"call txt anywhere", "transcripts/call-12.txt", ""},
		{"chat transcript pdf", "ujet-chat-transcripts/chat-12.pdf", ""},
		{"metadata txt with session prefix", "ujet-metadata/call-12.txt", ""},
		{"metadata in recordings", "ujet-voice-recordings/call-12.json", ""},
		{"email in ujet metadata", "ujet-metadata/email-1.pdf", ""},
		{"email wrong ext", "email-1.txt", ""},
		{"metadata pdf", "metadata-1.pdf", ""},
		{"folder placeholder", "ujet-metadata/", ""},
		{"folder alone", "ujet-metadata", ""},
		{"folder path placeholder", "ccaip/", "ccaip"},
		{"folder path itself", "ccaip", "ccaip"},
		{"name as folder", "ujet-metadata/call-1.json/", ""},
		{"hidden file", "ujet-metadata/.call-1.json", ""},
		{"hidden file anywhere", ".call-1.json", ""},
		{"hidden folder", ".tmp/call-1.json", ""},
		{"relative folder", "../call-1.json", ""},
		{"temp file", "ujet-metadata/call-1.json.tmp", ""},
		{"temp file anywhere", "call-1.json.tmp", ""},
		{"backup file", "call-1.json~", ""},
		{"partial upload", "ujet-voice-recordings/call-1.mp3.part", ""},
		{"double extension", "ujet-metadata/call-1.json.json", ""},
		{"double extension mixed", "call-1.mp3.json", ""},
		{"copy suffix", "call-1 (1).json", ""},
		{"upper-case prefix", "ujet-metadata/CALL-1.json", ""},
		{"other prefix", "ujet-metadata/session-1.json", ""},
		{"no hyphen", "ujet-metadata/call1.json", ""},
		{"other folder path", "other/ujet-metadata/call-1.json", "ccaip"},
		{"folder path prefix only", "ccaip2/ujet-metadata/call-1.json", "ccaip"},
		{"folder path missing", "ujet-metadata/call-1.json", "ccaip"},
		{"folder path partly", "ccaip/ujet-metadata/call-1.json", "ccaip/prod"},
		{"case of folder path", "CCAIP/ujet-metadata/call-1.json", "ccaip"},
		{"ujet folder under other folder", "staging/ujet-metadata/call-1.json", ""},
		{"ujet folder under other folder in path", "ccaip/staging/ujet-metadata/call-1.json", "ccaip"},
		{"non-date folder inside ujet folder", "ujet-metadata/old/call-1.json", ""},
		{"two ujet folders", "ujet-metadata/ujet-metadata/call-1.json", ""},
		{"year only", "ujet-metadata/2025/call-1.json", ""},
		{"bad month", "ujet-metadata/2025/13/call-1.json", ""},
		{"bad day", "ujet-metadata/2025/02/30/call-1.json", ""},
		{"unpadded month", "ujet-metadata/2025/9/30/call-1.json", ""},
		{"bad dash date", "ujet-metadata/2025-02-30/call-1.json", ""},
		{"too many date parts", "ujet-metadata/2025/09/30/12/call-1.json", ""},
		{"empty segment", "ujet-metadata//call-1.json", ""},
		{"leading slash", "/ujet-metadata/call-1.json", ""},
		{"control char in folder", "a\x00b/call-1.json", ""},
		{"newline in name", "call-1.json\n", ""},
		{"unicode digits", "call-١٢.json", ""},
		{"gsutil folder marker", "ujet-metadata_$folder$", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := objectname.Parse(tt.object, tt.folderPath); ok {
				t.Errorf("Parse(%q, %q) = %+v, true; want ok false", tt.object, tt.folderPath, got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seeds := [][2]string{
		{"ujet-voice-recordings/call-1418.mp3", ""},
		{"ccaip/ujet-media/2025/09/30/chat-1-photo-2.jpg", "ccaip"},
		{"ujet-voicemails/call-12-voicemail-2.ogg", ""},
		{"metadata/metadata-1.txt", ""},
		{"email-1.pdf", "x"},
		{"ujet-metadata/", ""},
		{"call-.mp3", ""},
		{"a//b/call-1-photo--.jpg", "/"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, object, folderPath string) {
		n, ok := objectname.Parse(object, folderPath)
		if !ok {
			if n != (objectname.Name{}) {
				t.Errorf("Parse(%q, %q) = %+v, false; want the zero Name", object, folderPath, n)
			}
			return
		}
		if n.SessionID == "" {
			t.Errorf("Parse(%q, %q): empty SessionID", object, folderPath)
		}
		if n.Kind != objectname.Metadata && n.SessionKind == "" {
			t.Errorf("Parse(%q, %q) = %+v: only a metadata file may leave its session kind to its content", object, folderPath, n)
		}
		if n.Kind == "" || n.Ext == "" || n.Ext != strings.ToLower(n.Ext) {
			t.Errorf("Parse(%q, %q) = %+v: want a kind and a lower-case ext", object, folderPath, n)
		}
		if !strings.HasSuffix(strings.ToLower(object), "."+n.Ext) {
			t.Errorf("Parse(%q, %q): ext %q is not the name's", object, folderPath, n.Ext)
		}
		if !strings.Contains(object, n.SessionID) {
			t.Errorf("Parse(%q, %q): SessionID %q not in the name", object, folderPath, n.SessionID)
		}
	})
}
