package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Files in the data directory (the directory of the database).
const (
	// SecretFile holds the console's secret: whoever has it may act as any
	// console user, admins included. It is created at first start, mode
	// 0600, and kept.
	SecretFile = "console.secret"
	// AddressFile holds the URL of the running server's console. The server
	// writes it once it listens and removes it when it stops, so that
	// `tandem chat` finds the server that owns this data, and no other.
	AddressFile = "console.url"
)

// errUnauthorized answers a request without the console's secret.
var errUnauthorized = bot.Errorf(bot.EUNAUTHORIZED,
	"The console needs its secret: run `tandem chat` on this machine, or pass it as a bearer token.",
	"控制台需要密钥：请在本机运行 `tandem chat`，或以 Bearer 令牌提供密钥。")

// EnsureSecret returns the console's secret in dir, creating it when there
// is none: 32 random bytes, hex, in a file only its owner can read.
func EnsureSecret(dir string) (string, error) {
	return httpserver.EnsureSecret(filepath.Join(dir, SecretFile), "the console secret")
}

// ReadSecret reads the console's secret from dir. A file that others may
// read is refused, as ssh refuses such a key: the secret may have leaked.
func ReadSecret(dir string) (string, error) {
	return ReadSecretFile(filepath.Join(dir, SecretFile))
}

// ReadSecretFile reads a console secret from path (tandem chat --secret).
func ReadSecretFile(path string) (string, error) {
	return httpserver.ReadSecret(path, "the console secret")
}

// WriteAddress records where the console of the server that owns dir
// answers; the file is replaced whole, never seen half written.
func WriteAddress(dir, url string) error {
	tmp, err := os.CreateTemp(dir, AddressFile+".*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(url + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, AddressFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ReadAddress returns the console URL a server wrote in dir.
func ReadAddress(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, AddressFile))
	return strings.TrimSpace(string(raw)), err
}

// RemoveAddress forgets the address, when the server stops.
func RemoveAddress(dir string) error {
	err := os.Remove(filepath.Join(dir, AddressFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// guard admits a request to a console endpoint only when it is meant for
// this console by a program that holds its secret:
//
//   - method: POST for lines, GET for the mailbox;
//   - no browser: a request with an Origin header, or a Sec-Fetch-Site other
//     than "none", was made by a web page, and no page of this console
//     exists. net/http's CrossOriginProtection would let cross-site GETs
//     through, and a GET here drains a mailbox;
//   - the Host is a loopback name or one configured (Hosts), so a DNS
//     rebinding page that reaches 127.0.0.1 under its own name is refused;
//   - no proxy in between (Forwarded, X-Forwarded-For), unless AllowRemote;
//   - the secret as a bearer token, compared in constant time;
//   - a POST body declared as application/json, which a cross-site HTML form
//     cannot send.
//
// Every refusal is logged once, as the webhooks' are.
func (a *Adapter) guard(method string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			webhook.RejectMethod(w, r, a.log(), "console", method)
			return
		}
		if reason := a.foreign(r); reason != "" {
			webhook.Reject(w, r, a.log(), "console", http.StatusForbidden, reason)
			return
		}
		if !a.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tandem console"`)
			webhook.Fail(w, r, a.log(), "console", errUnauthorized)
			return
		}
		if method == http.MethodPost {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				webhook.Reject(w, r, a.log(), "console", http.StatusUnsupportedMediaType, "Content-Type must be application/json")
				return
			}
		}
		next(w, r)
	})
}

// foreign says why r does not come straight from a program on an allowed
// host, or "" when it does.
func (a *Adapter) foreign(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		return fmt.Sprintf("a web page's request (Origin %.100q)", o)
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "none" {
		return fmt.Sprintf("a web page's request (Sec-Fetch-Site %.40q)", s)
	}
	if !a.hostAllowed(r.Host) {
		return fmt.Sprintf("Host %.100q is not this console's", r.Host)
	}
	if !a.AllowRemote && (r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "") {
		return "a request through a proxy (console.allow_remote is off)"
	}
	return ""
}

func (a *Adapter) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if IsLoopback(host) {
		return true
	}
	for _, h := range a.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// IsLoopback reports whether host (a name or an IP, without port) is this
// machine only: localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *Adapter) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || a.Secret == "" {
		return false
	}
	// Hashing first makes the comparison's time independent of the token's
	// length as well as of its bytes.
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(a.Secret))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
