package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var (
	_ bot.ImageUploader = (*Adapter)(nil)
	_ bot.FileUploader  = (*Adapter)(nil)
)

const (
	// imageReuse is how long an uploaded image_key is offered for other
	// messages of the same app. Feishu documents no expiry for keys of
	// image_type "message"; a month keeps the cache honest without
	// uploading one chart again for every reader.
	imageReuse = 30 * 24 * time.Hour
	// maxImageBytes is the upload API's limit (10 MB).
	maxImageBytes = 10 << 20
	// maxFileBytes is the file upload API's limit (30 MB; bot.MaxFileBytes
	// keeps files under every platform's).
	maxFileBytes = 30 << 20
)

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
	key, err := a.uploadForm(ctx, "im.image.create", pathImages, [][2]string{{"image_type", "message"}},
		"image", firstNonEmpty(img.Name, "image.png"), img.PNG, "image_key")
	return key, imageReuse, err
}

// UploadFile implements bot.FileUploader: POST /open-apis/im/v1/files (the
// SDK's Im.V1.File.Create), a multipart form with file_type (xls for
// spreadsheets, stream for anything else Feishu has no type for, such as
// CSV), file_name and the file, answers a file_key that a message of
// msg_type "file" carries. Same scope and reuse as a picture.
func (a *Adapter) UploadFile(ctx context.Context, _ bot.Destination, f *bot.File) (string, time.Duration, error) {
	switch {
	case len(f.Data) == 0:
		return "", 0, &bot.DeliveryError{Err: errors.New("feishu: file has no bytes"), Permanent: true}
	case len(f.Data) > maxFileBytes:
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("feishu: file of %d bytes is over the 30 MB limit", len(f.Data)), Permanent: true}
	}
	name := firstNonEmpty(f.Name, "file")
	key, err := a.uploadForm(ctx, "im.file.create", pathFiles, [][2]string{{"file_type", fileType(name)}, {"file_name", name}},
		"file", name, f.Data, "file_key")
	return key, imageReuse, err
}

// fileType is the file_type Feishu files a document under.
func fileType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xls", ".xlsx":
		return "xls"
	case ".doc", ".docx":
		return "doc"
	case ".ppt", ".pptx":
		return "ppt"
	case ".pdf":
		return "pdf"
	}
	return "stream"
}

// uploadForm posts a multipart form (fields, then the file part) to an
// upload API and returns the key it answers under keyField. Uploading shows
// nobody anything, so repeating it after a crash costs only the upload.
func (a *Adapter) uploadForm(ctx context.Context, op, apiPath string, fields [][2]string, fileField, fileName string, data []byte, keyField string) (string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	var err error
	for _, f := range fields {
		if err == nil {
			err = w.WriteField(f[0], f[1])
		}
	}
	var part io.Writer
	if err == nil {
		part, err = w.CreateFormFile(fileField, fileName)
	}
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", &bot.DeliveryError{Err: fmt.Errorf("feishu: %s form: %w", op, err), Permanent: true}
	}
	r, err := a.call(ctx, op, http.MethodPost, apiPath, nil, formBody{w.FormDataContentType(), b.Bytes()})
	if err != nil {
		return "", err
	}
	var d map[string]any
	json.Unmarshal(r.Data, &d) // a body that is not an object has no key: said below
	key, _ := d[keyField].(string)
	if key == "" {
		return "", fmt.Errorf("feishu: %s answered no %s", op, keyField)
	}
	return key, nil
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
	return a.sendThen(ctx, o, bot.Message{Text: o.Msg.Text}, "image", "image_key", o.Msg.Image.Key, "#picture")
}

// sendFile posts a message that carries a file: its text or card (if any),
// then the file as a message of msg_type "file" ({"file_key": …}), with
// uuids as sendPicture's.
func (a *Adapter) sendFile(ctx context.Context, o *bot.Outgoing) (string, error) {
	return a.sendThen(ctx, o, bot.Message{Text: o.Msg.Text, Card: o.Msg.Card}, "file", "file_key", o.Msg.File.Key, "#file")
}

// sendThen posts first (when it has anything to say), then a message of
// msgType carrying {keyField: key}.
func (a *Adapter) sendThen(ctx context.Context, o *bot.Outgoing, first bot.Message, msgType, keyField, key, suffix string) (string, error) {
	var firstID string
	if strings.TrimSpace(first.Text) != "" || first.Card != nil {
		t, content, err := messageContent(first)
		if err != nil {
			return "", &bot.DeliveryError{Err: err, Permanent: true}
		}
		if firstID, err = a.post(ctx, o, t, content, dedupUUID(o.Key)); err != nil {
			return "", err
		}
	}
	raw, _ := json.Marshal(map[string]string{keyField: key})
	id, err := a.post(ctx, o, msgType, string(raw), dedupUUID(o.Key+suffix))
	if err != nil {
		return "", err
	}
	return firstNonEmpty(firstID, id), nil
}
