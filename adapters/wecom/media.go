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

var _ bot.ImageUploader = (*Adapter)(nil)

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
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, imageName(img), len(img.PNG)))
	h.Set("Content-Type", "image/png")
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(img.PNG)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", 0, err
	}
	var res struct {
		apiResult
		Type    string `json:"type"`
		MediaID string `json:"media_id"`
	}
	err = a.callWith(ctx, mediaUploadPath, url.Values{"type": {"image"}}, func(u string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body.Bytes()))
		if err == nil {
			req.Header.Set("Content-Type", mw.FormDataContentType())
		}
		return req, err
	}, &res)
	if err != nil {
		return "", 0, err
	}
	if res.MediaID == "" {
		return "", 0, errors.New("wecom: media/upload: no media_id in the answer")
	}
	return res.MediaID, mediaReuse, nil
}

func imageName(img *bot.Image) string {
	name := strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, img.Name)
	if !strings.HasSuffix(strings.ToLower(name), ".png") {
		name += ".png"
	}
	return name
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
