package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Image is a picture carried by an outgoing message (a PNG: a chart, a
// progress picture). Its bytes are stored once, by content, beside the
// outbox (MediaTx); the message row keeps only the digest, so one chart sent
// to fifty people is stored once and the outbox stays small.
type Image struct {
	Name string `json:"name"`          // file name shown to readers, e.g. "burndown.png"
	Alt  string `json:"alt,omitempty"` // what it shows, for readers and platforms without pictures
	// SHA256 names the stored bytes (hex); Enqueue sets it from PNG.
	SHA256 string `json:"sha256,omitempty"`
	// PNG is the picture. It is set by whoever makes the message and by the
	// dispatcher just before Send; it is never stored in the message row.
	PNG []byte `json:"-"`
	// Key is the platform's handle for the uploaded picture (Slack file id,
	// Feishu image_key, WeCom and DingTalk media_id), set by the dispatcher
	// before Send when the Sender is an ImageUploader.
	Key string `json:"-"`
}

// NewImage returns an image of png named name.
func NewImage(name, alt string, png []byte) *Image {
	return &Image{Name: name, Alt: alt, PNG: png, SHA256: Digest(png)}
}

// Digest is the hex SHA-256 of b, the key pictures are stored under.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// MaxImageBytes bounds a picture: the smallest limit of the platforms'
// upload APIs that Tandem uses (WeCom group robots take 2 MB).
const MaxImageBytes = 2 << 20

// ImageUploader is a Sender whose platform needs a picture uploaded before a
// message can show it. The dispatcher uploads, stores the key (durably,
// before the message is sent), then calls Send with Image.Key set, so a
// retry after a crash reuses the upload and the upload is never what posts
// the picture: only Send does.
type ImageUploader interface {
	// UploadImage uploads img.PNG for a message to `to` and returns the
	// platform's key for it, and how long the key may be reused for other
	// messages through the same app (0: for this message only, e.g. a Slack
	// file is shared once).
	UploadImage(ctx context.Context, to Destination, img *Image) (key string, reuse time.Duration, err error)
}

// MediaTx stores pictures and files (Attachment) and their uploads.
type MediaTx interface {
	// MediaPNG returns the stored bytes of a picture or a file; ENOTFOUND
	// if pruned.
	MediaPNG(sha string) ([]byte, error)
	// CachedUpload returns a key uploaded for the picture through the app
	// (platform, workspace) that may still be used at now.
	CachedUpload(sha, platform, workspace string, now time.Time) (key string, ok bool, err error)
	// RecordUpload stores key on the outgoing message outboxID (so its
	// retries use it) and, when reuseUntil is set, for other messages
	// through the same app until then.
	RecordUpload(outboxID int64, sha, platform, workspace, key string, reuseUntil time.Time) error
}
