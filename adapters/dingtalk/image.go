package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"path"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Pictures and files. A file is a robot message of its own too (msgKey
// sampleFile: mediaId, fileName, fileType), uploaded with type=file; all
// said below of pictures holds for files.
//
// DingTalk shows a picture from a robot as a message of its own
// (msgKey sampleImageMsg) whose photoURL is a media_id that the classic
// API's media/upload returned; session webhooks take no pictures, so they
// always go through the robot API, to the chat Send would choose.
//
// Once-guarantees: the upload (UploadImage) shows nobody anything, and the
// dispatcher stores its media_id before Send posts, so a crash during or
// after the upload only repeats the upload. DingTalk's robot API takes no
// idempotency key, though: a crash after DingTalk accepted the picture
// message but before the outbox recorded it sent posts the picture again
// after the restart (at least once, like every DingTalk robot message).
// A message with text or a card and a picture posts the text or card first:
// an interactive card is not posted twice (its outTrackId is refused as
// existing), so a failure of the picture post repeats only the picture.

// pathMediaUpload uploads a file through the classic API (under OAPIURL).
const pathMediaUpload = "/media/upload"

// mediaReuse is how long an uploaded media_id is used for other messages:
// DingTalk keeps it for three days, and a message queued near the end of
// the window must still find it there when it is posted.
const mediaReuse = 60 * time.Hour

var (
	_ bot.ImageUploader = (*Adapter)(nil)
	_ bot.FileUploader  = (*Adapter)(nil)
)

// maxFileBytes is media/upload's limit for type=file (20 MB, the smallest
// of the platforms': bot.MaxFileBytes).
const maxFileBytes = 20 << 20

// UploadImage implements bot.ImageUploader: POST media/upload?type=image
// with the PNG in the multipart field "media".
func (a *Adapter) UploadImage(ctx context.Context, _ bot.Destination, img *bot.Image) (string, time.Duration, error) {
	if img == nil || len(img.PNG) == 0 {
		return "", 0, &bot.DeliveryError{Err: errors.New("dingtalk: picture without bytes"), Permanent: true}
	}
	id, err := a.uploadMedia(ctx, "image", firstNonEmpty(img.Name, "image.png"), img.PNG)
	return id, mediaReuse, err
}

// UploadFile implements bot.FileUploader: POST media/upload?type=file, the
// file in the multipart field "media" (up to 20 MB), reused like a picture.
func (a *Adapter) UploadFile(ctx context.Context, _ bot.Destination, f *bot.File) (string, time.Duration, error) {
	switch {
	case f == nil || len(f.Data) == 0:
		return "", 0, &bot.DeliveryError{Err: errors.New("dingtalk: file without bytes"), Permanent: true}
	case len(f.Data) > maxFileBytes:
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("dingtalk: file of %d bytes is over the 20 MB limit", len(f.Data)), Permanent: true}
	}
	id, err := a.uploadMedia(ctx, "file", firstNonEmpty(f.Name, "file"), f.Data)
	return id, mediaReuse, err
}

// uploadMedia uploads data as a medium of kind (image, file) and returns
// its media_id.
func (a *Adapter) uploadMedia(ctx context.Context, kind, name string, data []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("media", name)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", &bot.DeliveryError{Err: err, Permanent: true}
	}
	raw, err := a.classic(ctx, pathMediaUpload, "type="+kind+"&", mw.FormDataContentType(), body.Bytes())
	var e *apiError
	if errors.As(err, &e) {
		return "", e.deliveryError("media upload")
	}
	if err != nil {
		return "", err
	}
	var res struct {
		MediaID string `json:"media_id"`
	}
	if json.Unmarshal(raw, &res) != nil || res.MediaID == "" {
		return "", errors.New("dingtalk: media upload: answer without a media_id")
	}
	return res.MediaID, nil
}

// sendImage posts o's picture (sampleImageMsg, photoURL) or file
// (sampleFile: mediaId, fileName, fileType) as a robot message to the chat
// Send chose for the message. Its key is normally uploaded by the
// dispatcher; one without (a caller that is not the outbox) is uploaded
// here.
func (a *Adapter) sendImage(ctx context.Context, o *bot.Outgoing) (string, error) {
	att := o.Msg.Attachment()
	key := att.UploadKey()
	if key == "" {
		var err error
		if key, _, _, err = att.UploadThrough(ctx, a, o.To); err != nil {
			return "", err
		}
	}
	var m robotMsg
	if f := o.Msg.File; f != nil {
		name := firstNonEmpty(f.Name, "file")
		raw, _ := marshal(map[string]string{"mediaId": key, "fileName": name, "fileType": strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")})
		m = robotMsg{key: "sampleFile", param: string(raw)}
	} else {
		raw, _ := marshal(map[string]string{"photoURL": key})
		m = robotMsg{key: "sampleImageMsg", param: string(raw)}
	}
	return a.route(ctx, o, "attachment",
		func(user string) (string, error) { return a.sendToUser(ctx, user, m) },
		func(chat string) (string, error) { return a.sendToGroup(ctx, chat, m) })
}
