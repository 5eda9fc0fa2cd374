package wecom

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/work/message"

	"github.com/tandemhq/tandem/bot"
)

// Pictures. An app message shows a picture by media_id: the PNG is uploaded
// first (media/upload, a temporary medium that lives three days), then sent
// as an image message. A group robot takes the picture itself, base64 with
// its MD5, up to 2 MB, and needs no upload.

var (
	_ bot.ImageUploader = (*Adapter)(nil)
	_ bot.FileUploader  = (*Adapter)(nil)
)

const (
	mediaUploadPath = "/cgi-bin/media/upload"
	// mediaReuse is how long an uploaded media_id is used for other
	// messages: WeCom keeps temporary media for three days, and 60 hours
	// leaves half a day for a message that waits in the outbox.
	mediaReuse = 60 * time.Hour
	// robotImageKey is the key UploadImage gives a picture for a group
	// robot, which needs no upload.
	robotImageKey = "robot-inline"
	// maxRobotImage is a robot's limit for a picture ("图片最大不能超过2M").
	maxRobotImage = 2 << 20
	// imageDuplicateInterval is the duplicate check window of image
	// messages: WeCom does not deliver an image with the same media_id to
	// the same member again within it. An outbox retry comes after the
	// claim's lease (a minute) or a backoff, so the window is WeCom's
	// maximum, four hours; a picture sent again on purpose is a new upload
	// after mediaReuse at the latest, and so a new media_id.
	imageDuplicateInterval = 4 * time.Hour
)

// UploadImage implements bot.ImageUploader: it uploads img.PNG as a
// temporary image and returns its media_id, reusable for 60 hours. A group
// robot destination needs no upload.
func (a *Adapter) UploadImage(ctx context.Context, to bot.Destination, img *bot.Image) (string, time.Duration, error) {
	if strings.HasPrefix(to.ChatID, "robot:") && to.UserID == "" {
		return robotImageKey, 0, nil
	}
	if len(img.PNG) == 0 {
		return "", 0, &bot.DeliveryError{Err: errors.New("wecom: image has no bytes"), Permanent: true}
	}
	id, err := a.uploadMedia(ctx, "image", imageName(img), "image/png", img.PNG)
	return id, mediaReuse, err
}

// mediaForm is an upload's body: one multipart part named "media" with the
// file's name and length, as media/upload and a robot's upload_media take.
func mediaForm(name, contentType string, data []byte) (body []byte, formType string, err error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, name, len(data)))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	return b.Bytes(), mw.FormDataContentType(), err
}

// uploadMedia uploads a temporary medium of kind (image, file) through the
// app (media/upload) and returns its media_id.
func (a *Adapter) uploadMedia(ctx context.Context, kind, name, contentType string, data []byte) (string, error) {
	body, formType, err := mediaForm(name, contentType, data)
	if err != nil {
		return "", err
	}
	var res struct {
		apiResult
		Type    string `json:"type"`
		MediaID string `json:"media_id"`
	}
	err = a.callWith(ctx, mediaUploadPath, url.Values{"type": {kind}}, func(u string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", formType)
		}
		return req, err
	}, &res)
	if err != nil {
		return "", err
	}
	if res.MediaID == "" {
		return "", errors.New("wecom: media/upload: no media_id in the answer")
	}
	return res.MediaID, nil
}

// Files. An app sends a file by media_id (media/upload?type=file, a
// temporary medium like a picture's) as a message of msgtype "file". A group
// robot uploads through its own webhook (upload_media?key=…&type=file) and
// posts {"msgtype":"file","file":{"media_id":…}}; its media_id serves that
// robot only, so UploadFile records it as "robot:<name>:<media_id>" and
// does not offer it to other messages.

const (
	robotFilePrefix = "robot:"
	// minFileBytes and maxFileBytes are the file limits of media/upload
	// and of a robot's upload_media ("5个字节 < 文件大小 ≤ 20MB").
	minFileBytes = 6
	maxFileBytes = 20 << 20
)

// UploadFile implements bot.FileUploader: a group robot's file goes
// through the robot's upload_media (for that robot only), any other
// through the app's media/upload?type=file (reused for 60 hours).
func (a *Adapter) UploadFile(ctx context.Context, to bot.Destination, f *bot.File) (string, time.Duration, error) {
	switch {
	case len(f.Data) < minFileBytes:
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("wecom: a file of %d bytes is under the 5-byte minimum", len(f.Data)), Permanent: true}
	case len(f.Data) > maxFileBytes:
		return "", 0, &bot.DeliveryError{Err: fmt.Errorf("wecom: a file of %d bytes is over the 20 MB limit", len(f.Data)), Permanent: true}
	}
	if name, ok := strings.CutPrefix(to.ChatID, "robot:"); ok && to.UserID == "" {
		id, err := a.uploadRobotFile(ctx, name, f)
		if err != nil {
			return "", 0, err
		}
		return robotFilePrefix + name + ":" + id, 0, nil
	}
	id, err := a.uploadMedia(ctx, "file", mediaName(f.Name, ""), firstNonEmpty(f.MIME, "application/octet-stream"), f.Data)
	return id, mediaReuse, err
}

// uploadRobotFile uploads f through the named robot's webhook: the send
// URL's upload_media sibling, with the same key.
func (a *Adapter) uploadRobotFile(ctx context.Context, name string, f *bot.File) (string, error) {
	hook, ok := a.cfg.Robots[name]
	if !ok {
		return "", &bot.DeliveryError{Err: fmt.Errorf("wecom: no robot named %q is configured", name), Permanent: true}
	}
	u, err := url.Parse(hook)
	if err != nil {
		return "", &bot.DeliveryError{Err: fmt.Errorf("wecom: robot %s: bad webhook URL", name), Permanent: true}
	}
	u.Path = strings.TrimSuffix(u.Path, "/send") + "/upload_media"
	q := u.Query()
	q.Set("type", "file")
	u.RawQuery = q.Encode()
	body, formType, err := mediaForm(mediaName(f.Name, ""), firstNonEmpty(f.MIME, "application/octet-stream"), f.Data)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return "", &bot.DeliveryError{Err: fmt.Errorf("wecom: robot %s: bad webhook URL", name), Permanent: true}
	}
	req.Header.Set("Content-Type", formType)
	var res struct {
		apiResult
		MediaID string `json:"media_id"`
	}
	if err := classify(a.do(req, "robot "+name+" upload_media", &res)); err != nil {
		return "", err
	}
	if res.MediaID == "" {
		return "", errors.New("wecom: upload_media: no media_id in the answer")
	}
	return res.MediaID, nil
}

// appFileKey is the media_id an app message carries for f: its upload,
// or a new one through the app when it has none or the robot's.
func (a *Adapter) appFileKey(ctx context.Context, f *bot.File) (string, error) {
	if f.Key != "" && !strings.HasPrefix(f.Key, robotFilePrefix) {
		return f.Key, nil
	}
	return a.uploadMedia(ctx, "file", mediaName(f.Name, ""), firstNonEmpty(f.MIME, "application/octet-stream"), f.Data)
}

// robotFile is a robot's file message for f: its upload through this
// robot, or a new one.
func (a *Adapter) robotFile(ctx context.Context, name string, f *bot.File) (map[string]any, error) {
	id, ok := strings.CutPrefix(f.Key, robotFilePrefix+name+":")
	if !ok {
		var err error
		if id, err = a.uploadRobotFile(ctx, name, f); err != nil {
			return nil, err
		}
	}
	return map[string]any{"msgtype": "file", "file": map[string]any{"media_id": id}}, nil
}

func imageName(img *bot.Image) string {
	return mediaName(img.Name, ".png")
}

// mediaName is a file name fit for a form's filename, ending in ext when
// one is given.
func mediaName(name, ext string) string {
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, name)
	if ext != "" && !strings.HasSuffix(strings.ToLower(name), ext) {
		name += ext
	}
	return firstNonEmpty(name, "file")
}

// sendAppImage sends an uploaded picture to a member. A retry after a crash
// that came after the picture was posted but before the outbox recorded
// it sends the same media_id again, which WeCom's duplicate check swallows
// within imageDuplicateInterval.
func (a *Adapter) sendAppImage(ctx context.Context, user string, img *bot.Image) (string, error) {
	key := img.Key
	if key == "" || key == robotImageKey {
		var err error
		if key, _, err = a.UploadImage(ctx, bot.Destination{UserID: user}, img); err != nil {
			return "", err
		}
	}
	res, err := a.postMessage(ctx, user, appMessage{kind: "image", Image: &message.ImageField{MediaID: key}}, imageDuplicateInterval)
	if err != nil {
		return "", err
	}
	return res.MsgID, nil
}

// robotImage is a robot's image message: the PNG in base64 and the MD5 of
// its bytes (before base64).
func robotImage(img *bot.Image) (map[string]any, error) {
	switch {
	case len(img.PNG) == 0:
		return nil, &bot.DeliveryError{Err: errors.New("wecom: image has no bytes"), Permanent: true}
	case len(img.PNG) > maxRobotImage:
		return nil, &bot.DeliveryError{Err: fmt.Errorf("wecom: image of %d bytes is over a robot's 2 MB", len(img.PNG)), Permanent: true}
	}
	sum := md5.Sum(img.PNG)
	return map[string]any{"msgtype": "image", "image": map[string]any{
		"base64": base64.StdEncoding.EncodeToString(img.PNG),
		"md5":    hex.EncodeToString(sum[:]),
	}}, nil
}
