package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.ImageUploader = (*Adapter)(nil)

const (
	// imageReuse is how long an uploaded image_key is offered for other
	// messages of the same app. Feishu documents no expiry for keys of
	// image_type "message"; a month keeps the cache honest without
	// uploading one chart again for every reader.
	imageReuse = 30 * 24 * time.Hour
	// maxImageBytes is the upload API's limit (10 MB).
	maxImageBytes = 10 << 20
)

var errNoImageKey = errors.New("feishu: image upload answered no image_key")

// formBody is a request body that is not JSON (a multipart form).
type formBody struct {
	contentType string
	data        []byte
}

// UploadImage implements bot.ImageUploader: POST /open-apis/im/v1/images
// (the SDK's Im.V1.Image.Create), a multipart form with image_type=message
// and the image, answers an image_key that messages and cards of this app
// show. It needs the im:resource scope. Uploading shows nobody anything, so
// repeating it after a crash costs only the upload.
func (a *Adapter) UploadImage(ctx context.Context, _ bot.Destination, img *bot.Image) (string, time.Duration, error) {
	switch {
	case len(img.PNG) == 0:
		return "", 0, &bot.DeliveryError{Err: errors.New("feishu: picture has no bytes"), Permanent: true}
	case len(img.PNG) > maxImageBytes:
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("feishu: picture of %d bytes is over the 10 MB limit", len(img.PNG)), Permanent: true}
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("image_type", "message")
	part, err := w.CreateFormFile("image", firstNonEmpty(img.Name, "image.png"))
	if err == nil {
		_, err = part.Write(img.PNG)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("feishu: image form: %w", err), Permanent: true}
	}
	r, err := a.call(ctx, "im.image.create", http.MethodPost, pathImages, nil, formBody{w.FormDataContentType(), b.Bytes()})
	if err != nil {
		return "", 0, err
	}
	var d struct {
		ImageKey string `json:"image_key"`
	}
	if json.Unmarshal(r.Data, &d) != nil || d.ImageKey == "" {
		return "", 0, errNoImageKey
	}
	return d.ImageKey, imageReuse, nil
}

// ensureUploaded uploads img unless it has a key: the dispatcher uploads
// before Send and records the key, so this only serves callers that send
// directly.
func (a *Adapter) ensureUploaded(ctx context.Context, to bot.Destination, img *bot.Image) error {
	if img.Key != "" {
		return nil
	}
	key, _, err := a.UploadImage(ctx, to, img)
	img.Key = key
	return err
}

// sendPicture posts a message without a card that carries a picture: its
// text (if any) as a text message, then the picture as an image message
// ({"image_key": …}). The two have distinct uuids, both derived from o.Key,
// so a retry (a lost answer, or a crash after the picture was posted but
// before the outbox marked the message sent) posts neither again: Feishu
// answers a repeated uuid with the message it already posted. That holds
// for an hour, Feishu's deduplication window; a retry later than that
// (the outbox's backoff stays well under it, but a process down for an
// hour is not) may post again. The text's id is returned, or the
// picture's when there is no text.
func (a *Adapter) sendPicture(ctx context.Context, o *bot.Outgoing) (string, error) {
	var textID string
	if o.Msg.Text != "" {
		_, content, err := messageContent(bot.Message{Text: o.Msg.Text})
		if err != nil {
			return "", &bot.DeliveryError{Err: err, Permanent: true}
		}
		if textID, err = a.post(ctx, o, "text", content, dedupUUID(o.Key)); err != nil {
			return "", err
		}
	}
	raw, _ := json.Marshal(map[string]string{"image_key": o.Msg.Image.Key})
	id, err := a.post(ctx, o, "image", string(raw), dedupUUID(o.Key+"#picture"))
	if err != nil {
		return "", err
	}
	return firstNonEmpty(textID, id), nil
}
