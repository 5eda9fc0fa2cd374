package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Pictures. DingTalk shows a picture from a robot as a message of its own
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

var _ bot.ImageUploader = (*Adapter)(nil)

// UploadImage implements bot.ImageUploader: POST media/upload?type=image
// with the PNG in the multipart field "media".
func (a *Adapter) UploadImage(ctx context.Context, _ bot.Destination, img *bot.Image) (string, time.Duration, error) {
	if img == nil || len(img.PNG) == 0 {
		return "", 0, &bot.DeliveryError{Err: errors.New("dingtalk: picture without bytes"), Permanent: true}
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("media", firstNonEmpty(img.Name, "image.png"))
	if err == nil {
		_, err = part.Write(img.PNG)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", 0, &bot.DeliveryError{Err: err, Permanent: true}
	}
	raw, err := a.classic(ctx, pathMediaUpload, "type=image&", mw.FormDataContentType(), body.Bytes())
	var e *apiError
	if errors.As(err, &e) {
		return "", 0, e.deliveryError("media upload")
	}
	if err != nil {
		return "", 0, err
	}
	var res struct {
		MediaID string `json:"media_id"`
	}
	if json.Unmarshal(raw, &res) != nil || res.MediaID == "" {
		return "", 0, errors.New("dingtalk: media upload: answer without a media_id")
	}
	return res.MediaID, mediaReuse, nil
}

// sendImage posts o's picture as a robot message to the chat Send chose
// for the message. Its key is normally uploaded by the dispatcher; a
// picture without one (a caller that is not the outbox) is uploaded here.
func (a *Adapter) sendImage(ctx context.Context, o *bot.Outgoing) (string, error) {
	img := o.Msg.Image
	key := img.Key
	if key == "" {
		var err error
		if key, _, err = a.UploadImage(ctx, o.To, img); err != nil {
			return "", err
		}
	}
	raw, _ := marshal(map[string]string{"photoURL": key})
	m := robotMsg{key: "sampleImageMsg", param: string(raw)}
	return a.route(ctx, o, "picture",
		func(user string) (string, error) { return a.sendToUser(ctx, user, m) },
		func(chat string) (string, error) { return a.sendToGroup(ctx, chat, m) })
}
