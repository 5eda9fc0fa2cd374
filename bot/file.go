package bot

import (
	"context"
	"time"
)

// File is a document sent with a message (an export: a spreadsheet, a CSV).
// Like a picture, its bytes are stored once by content beside the outbox
// (MediaTx) and the message row keeps only the digest; a platform that needs
// an upload first gets one through FileUploader, recorded durably before the
// message is sent, exactly as pictures are (the dispatcher treats both as an
// Attachment).
type File struct {
	Name string `json:"name"`           // file name shown to readers, e.g. "tickets-2026-11.xlsx"
	MIME string `json:"mime,omitempty"` // its media type, e.g. "text/csv"
	// Size is the length of Data in bytes, kept in the row for readers
	// ("12 KB") and for platforms whose send names it.
	Size int `json:"size,omitempty"`
	// SHA256 names the stored bytes (hex); Enqueue sets it from Data.
	SHA256 string `json:"sha256,omitempty"`
	// Data is the file. It is set by whoever makes the message and by the
	// dispatcher just before Send; it is never stored in the message row.
	Data []byte `json:"-"`
	// Key is the platform's handle for the uploaded file (Slack file id,
	// Feishu file_key, WeCom and DingTalk media_id), set by the dispatcher
	// before Send when the Sender is a FileUploader.
	Key string `json:"-"`
}

// NewFile returns a file of data named name.
func NewFile(name, mime string, data []byte) *File {
	return &File{Name: name, MIME: mime, Size: len(data), Data: data, SHA256: Digest(data)}
}

// MaxFileBytes bounds a file: the smallest limit of the platforms' file
// uploads that Tandem uses. DingTalk's media/upload takes files of up to
// 20 MB (Feishu 30 MB, WeCom 20 MB, Slack far more); a bigger file is
// refused when the message is queued.
const MaxFileBytes = 20 << 20

// FileUploader is a Sender whose platform needs a file uploaded before a
// message can carry it. As with ImageUploader, the dispatcher uploads,
// stores the key durably, then calls Send with File.Key set; only Send
// posts.
type FileUploader interface {
	// UploadFile uploads f.Data for a message to `to` and returns the
	// platform's key for it and how long other messages through the same
	// app may reuse it (0: this message only).
	UploadFile(ctx context.Context, to Destination, f *File) (key string, reuse time.Duration, err error)
}

// Attachment is what a message carries that is stored by content and may
// need an upload before Send: its picture or its file. The store and the
// dispatcher handle both through it, so a picture and a file follow one
// path (stored once, uploaded once, the key recorded before Send).
type Attachment interface {
	// Stored is the digest the bytes are stored under.
	Stored() string
	// Bytes and SetBytes are the content (not kept in the message row).
	Bytes() []byte
	SetBytes(b []byte)
	// UploadKey and SetUploadKey are the platform's handle for the upload.
	UploadKey() string
	SetUploadKey(key string)
	// Seal checks the content against its limit and sets the digest.
	Seal() error
	// UploadThrough uploads the content when s needs an upload for this
	// kind of attachment; ok is false when it does not.
	UploadThrough(ctx context.Context, s Sender, to Destination) (key string, reuse time.Duration, ok bool, err error)
	// InWords names the attachment for a message that lost it (pruned).
	InWords() string
}

// Attachment returns the message's picture or file, or nil. A message
// carries at most one of them (Enqueue refuses both).
func (m *Message) Attachment() Attachment {
	switch {
	case m.Image != nil:
		return m.Image
	case m.File != nil:
		return m.File
	}
	return nil
}

func (img *Image) Stored() string          { return img.SHA256 }
func (img *Image) Bytes() []byte           { return img.PNG }
func (img *Image) SetBytes(b []byte)       { img.PNG = b }
func (img *Image) UploadKey() string       { return img.Key }
func (img *Image) SetUploadKey(key string) { img.Key = key }
func (img *Image) InWords() string {
	if img.Alt != "" {
		return "🖼 " + img.Alt
	}
	return "🖼 " + img.Name
}

// Seal implements Attachment.
func (img *Image) Seal() error {
	if len(img.PNG) > MaxImageBytes {
		return Errorf(ETOOLARGE, "That picture is larger than 2 MB.", "图片超过 2 MB。")
	}
	img.SHA256 = Digest(img.PNG)
	return nil
}

// UploadThrough implements Attachment.
func (img *Image) UploadThrough(ctx context.Context, s Sender, to Destination) (string, time.Duration, bool, error) {
	up, ok := s.(ImageUploader)
	if !ok {
		return "", 0, false, nil
	}
	key, reuse, err := up.UploadImage(ctx, to, img)
	return key, reuse, true, err
}

func (f *File) Stored() string          { return f.SHA256 }
func (f *File) Bytes() []byte           { return f.Data }
func (f *File) SetBytes(b []byte)       { f.Data = b }
func (f *File) UploadKey() string       { return f.Key }
func (f *File) SetUploadKey(key string) { f.Key = key }
func (f *File) InWords() string         { return "📎 " + f.Name }

// Seal implements Attachment.
func (f *File) Seal() error {
	if len(f.Data) > MaxFileBytes {
		return Errorf(ETOOLARGE, "That file is larger than 20 MB, the most every chat platform takes; narrow it down (a shorter period, one department).",
			"文件超过 20 MB，超出各聊天平台的上限；请缩小范围（更短的时段或单个部门）。")
	}
	f.SHA256, f.Size = Digest(f.Data), len(f.Data)
	return nil
}

// UploadThrough implements Attachment.
func (f *File) UploadThrough(ctx context.Context, s Sender, to Destination) (string, time.Duration, bool, error) {
	up, ok := s.(FileUploader)
	if !ok {
		return "", 0, false, nil
	}
	key, reuse, err := up.UploadFile(ctx, to, f)
	return key, reuse, true, err
}
