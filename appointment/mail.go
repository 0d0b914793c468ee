package appointment

import (
	"context"
	"crypto/tls"
	"fmt"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail to send.
type Message struct {
	To        []string
	Subject   string
	Body      string // plain text
	MessageID string // stable per outbox entry, so a resend can be recognised
}

// Sender submits mail. Send returns an error wrapping ErrMail when the
// server did not take the message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig configures SMTP submission.
type SMTPConfig struct {
	Host string
	Port int
	// Security is "starttls" (mandatory STARTTLS), "tls" (implicit TLS)
	// or "none" (plain, for a mail server on the same machine).
	Security           string
	Username, Password string // both empty: no authentication
	From               string
	// TLS overrides the TLS settings (tests use their own roots); nil:
	// the system roots and Host as the server name.
	TLS *tls.Config
	// Timeout bounds connecting and each command (default 30 s).
	Timeout time.Duration
}

// SMTP submits mail with github.com/wneessen/go-mail, one connection per
// message (reminders are few).
type SMTP struct{ cfg SMTPConfig }

// NewSMTP returns a Sender for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}
}

func (s *SMTP) client() (*gomail.Client, error) {
	c := s.cfg
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout)}
	tc := c.TLS
	if tc == nil {
		tc = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	}
	switch c.Security {
	case "tls":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(tc))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tc))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return gomail.NewClient(c.Host, opts...)
}

// Send submits m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("%w: sender: %v", ErrMail, err)
	}
	if err := msg.To(m.To...); err != nil {
		return fmt.Errorf("%w: recipient: %v", ErrMail, redact(err.Error()))
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMail, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("%w: %s", ErrMail, redact(err.Error()))
	}
	return nil
}

var (
	addrPattern = regexp.MustCompile(`[^\s<>"':,;]+@[^\s<>"':,;]+`)
	urlPattern  = regexp.MustCompile(`https?://\S+`)
)

// redact removes e-mail addresses and URLs from a mail server's answer
// before it is logged or shown: an error must name neither the client nor
// a link.
func redact(s string) string {
	s = urlPattern.ReplaceAllString(s, "<link>")
	s = addrPattern.ReplaceAllString(s, "<address>")
	return strings.ToValidUTF8(s, "?")
}
