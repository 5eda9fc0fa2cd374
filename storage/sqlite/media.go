package sqlite

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

// storeMedia keeps the bytes of o's picture or file in media (once per
// content) and leaves only their digest in the message.
func (t *tx) storeMedia(o *bot.Outgoing, now time.Time) error {
	if o.Msg.Image != nil && o.Msg.File != nil {
		return bot.Errorf(bot.EINTERNAL, "A message carries a picture or a file, not both.", "一条消息只能带一张图片或一个文件。")
	}
	a := o.Msg.Attachment()
	if a == nil || len(a.Bytes()) == 0 {
		return nil
	}
	if err := a.Seal(); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO media (sha256, png, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
		a.Stored(), a.Bytes(), now.UnixMilli())
	return internal(err, "store media")
}

// MediaPNG implements bot.MediaTx.
func (t *tx) MediaPNG(sha string) ([]byte, error) {
	var png []byte
	found, err := t.queryRow(`SELECT png FROM media WHERE sha256 = ?`, []any{sha}, &png)
	if err != nil {
		return nil, internal(err, "read image")
	}
	if !found {
		return nil, bot.Errorf(bot.ENOTFOUND, "That picture is gone.", "该图片已不存在。")
	}
	return png, nil
}

// CachedUpload implements bot.MediaTx.
func (t *tx) CachedUpload(sha, platform, workspace string, now time.Time) (string, bool, error) {
	var key string
	found, err := t.queryRow(`SELECT upload_key FROM media_uploads WHERE sha256 = ? AND platform = ? AND workspace = ? AND reuse_until > ?`,
		[]any{sha, platform, workspace, now.UnixMilli()}, &key)
	return key, found, internal(err, "cached upload")
}

// RecordUpload implements bot.MediaTx.
func (t *tx) RecordUpload(outboxID int64, sha, platform, workspace, key string, reuseUntil time.Time) error {
	res, err := t.exec(`UPDATE outbox SET image_key = ? WHERE id = ?`, key, outboxID)
	if err := mustAffect(res, err, "record upload"); err != nil {
		return err
	}
	if reuseUntil.IsZero() {
		return nil
	}
	_, err = t.exec(`INSERT INTO media_uploads (sha256, platform, workspace, upload_key, reuse_until) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (sha256, platform, workspace) DO UPDATE SET upload_key = excluded.upload_key, reuse_until = excluded.reuse_until`,
		sha, platform, workspace, key, reuseUntil.UnixMilli())
	return internal(err, "record upload")
}
