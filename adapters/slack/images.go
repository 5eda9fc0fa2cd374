package slack

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// Pictures go through Slack's external upload, in three steps:
// files.getUploadURLExternal, a POST of the bytes to the URL it gives, and
// files.completeUploadExternal, which shares the file into a channel as a
// message. slack-go's UploadFileContext does all three in one call; Tandem
// calls the steps itself because they belong to different moments of the
// outbox delivery. Steps 1-2 (UploadImage) show nobody anything: the
// dispatcher runs them first and stores the file id durably on the message.
// Step 3 (in Send) is what posts, and a retry of the message must be able to
// repeat it alone, with the same file id, and to ask first whether it
// already happened (see sendImage).
var errNoPicture = errors.New("slack: picture or file has no bytes")

var (
	_ bot.ImageUploader = (*Adapter)(nil)
	_ bot.FileUploader  = (*Adapter)(nil)
)

// UploadImage implements bot.ImageUploader: steps 1 and 2 of the external
// upload. It returns the file id, for this message only (reuse 0): a Slack
// file is shared once, by the message that completes its upload.
func (a *Adapter) UploadImage(ctx context.Context, _ bot.Destination, img *bot.Image) (string, time.Duration, error) {
	return a.uploadExternal(ctx, imageName(img), img.Alt, img.PNG)
}

// UploadFile implements bot.FileUploader: steps 1 and 2, as for a picture
// (a document is a Slack file like any other); Send shares it.
func (a *Adapter) UploadFile(ctx context.Context, _ bot.Destination, f *bot.File) (string, time.Duration, error) {
	return a.uploadExternal(ctx, firstNonEmpty(f.Name, "file"), "", f.Data)
}

func (a *Adapter) uploadExternal(ctx context.Context, name, alt string, data []byte) (string, time.Duration, error) {
	if len(data) == 0 {
		return "", 0, &bot.DeliveryError{Err: errNoPicture, Permanent: true}
	}
	u, err := a.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{
		FileName: name, FileSize: len(data), AltTxt: alt,
	})
	if err != nil {
		return "", 0, deliveryError(err)
	}
	err = a.api.UploadToURL(ctx, slack.UploadToURLParameters{
		UploadURL: u.UploadURL, Reader: bytes.NewReader(data), Filename: name,
	})
	if err != nil {
		return "", 0, deliveryError(err)
	}
	return u.FileID, 0, nil
}

func imageName(img *bot.Image) string {
	if img.Name != "" {
		return img.Name
	}
	return "picture.png"
}

// shareTitle is the title a shared picture or file is shown under.
func shareTitle(m bot.Message) string {
	if m.File != nil {
		return firstNonEmpty(m.File.Name, "file")
	}
	return firstNonEmpty(m.Image.Alt, imageName(m.Image))
}

// sendImage is step 3: it completes the upload into the destination's
// channel, as one message carrying the picture and the text (initial_comment)
// or the card (blocks). Private messages go to the reader's DM: a file
// cannot be ephemeral, and a response_url cannot carry one.
//
// A file (Msg.File) is shared the same way: it is a Slack file too.
//
// Once. Slack takes no idempotency key, so a process killed after Slack
// shared the file and before the outbox recorded the message as sent would
// share it again on the retry. A retry (o.Attempts > 1) therefore asks
// files.info first: a file already shared into the channel is taken as
// sent. The guarantee is as good as files.info's view of the shares: a
// share Slack completed but does not list yet would be made again. The
// retry comes after a backoff (after a crash, once the dead process's
// one-minute lease ends), by when a share made before it is listed.
func (a *Adapter) sendImage(ctx context.Context, o *bot.Outgoing) (string, error) {
	att := o.Msg.Attachment()
	if att.UploadKey() == "" { // not through the dispatcher: upload here
		key, _, _, err := att.UploadThrough(ctx, a, o.To)
		if err != nil {
			return "", err
		}
		att.SetUploadKey(key)
	}
	fileID := att.UploadKey()
	channel, thread, err := a.imageChannel(ctx, o.To, o.Msg.Private)
	if err != nil {
		return "", err
	}
	if o.Attempts > 1 {
		ref, shared, err := a.sharedInto(ctx, fileID, channel)
		if err != nil {
			return "", err
		}
		if shared {
			a.log.Info("slack: file was shared before the retry; not posting it again", "outbox_id", o.ID, "file", fileID)
			return ref, nil
		}
	}
	params := slack.CompleteUploadExternalParameters{
		Files:           []slack.FileSummary{{ID: fileID, Title: shareTitle(o.Msg)}},
		Channel:         channel,
		ThreadTimestamp: thread,
	}
	m := o.Msg
	m.Image, m.File = nil, nil
	if m.Card != nil {
		params.Blocks = slack.Blocks{BlockSet: Blocks(m)}
	} else {
		params.InitialComment = fallbackText(m)
	}
	if _, err := a.api.CompleteUploadExternalContext(ctx, params); err != nil {
		return "", deliveryError(err)
	}
	// The message's ts is not in the answer; files.info has it once the
	// share is listed, which makes a card sent with a picture editable.
	ref, _, err := a.sharedInto(ctx, fileID, channel)
	if err != nil {
		a.log.Info("slack: picture posted; its message id is not known yet", "outbox_id", o.ID, "err", err)
	}
	return ref, nil
}

// imageChannel is the channel (and thread) a picture for to is shared into.
func (a *Adapter) imageChannel(ctx context.Context, to bot.Destination, private bool) (channel, thread string, err error) {
	switch {
	case to.ChatID != "" && !(private && to.UserID != ""):
		return to.ChatID, to.ThreadID, nil
	case to.UserID != "":
		ch, _, err := a.dmChannel(ctx, to.UserID)
		return ch, "", err
	}
	return "", "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
}

// sharedInto says whether file was shared into channel, and as which
// message.
func (a *Adapter) sharedInto(ctx context.Context, file, channel string) (string, bool, error) {
	f, _, _, err := a.api.GetFileInfoContext(ctx, file, 0, 0)
	if err != nil {
		return "", false, deliveryError(err)
	}
	for _, shares := range []map[string][]slack.ShareFileInfo{f.Shares.Public, f.Shares.Private} {
		if s := shares[channel]; len(s) > 0 {
			return messageRef{channel: channel, ts: s[0].Ts}.String(), true, nil
		}
	}
	return "", false, nil
}
