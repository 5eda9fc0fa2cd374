package webhook

import (
	"errors"
	"fmt"
	"net/url"
)

// RedactURL keeps only the scheme and host of the URL that a transport
// error from net/http quotes. The path and query of the URLs Tandem calls
// can hold a credential (Slack's response_url, a DingTalk session webhook, a
// WeCom access token or robot key), and such errors end in logs and in the
// outbox's last_error, which admins read in chat.
func RedactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	where := "the URL"
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		where = u.Scheme + "://" + u.Host + "/…"
	}
	return fmt.Errorf("%s %s: %w", ue.Op, where, ue.Err)
}
