package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"meetd/appointment"
	"meetd/appointment/admin"
	"meetd/conf"
	"meetd/recording"
	"meetd/xmpp"
)

// appointmentKey is the key appointment links are signed with: [auth]
// jwt_secret when set (issuer jwt_app_id), else a key meetd keeps in
// state_dir, which withAppointmentKey makes the XMPP server accept.
func appointmentKey(cfg *conf.Config) (appID string, secret []byte, err error) {
	if a := cfg.Auth; a.JWTSecret != "" {
		return tokenIssuer(a), []byte(a.JWTSecret), nil
	}
	key, err := appointment.LoadKey(cfg.StateDir)
	return appointment.KeyAppID, key, err
}

// tokenIssuer is an issuer the XMPP server accepts with [auth]'s secret:
// jwt_app_id, else the first named jwt_accepted_issuers entry.
func tokenIssuer(a conf.Auth) string {
	if a.JWTAppID != "" {
		return a.JWTAppID
	}
	for _, iss := range a.JWTAcceptedIssuers {
		if iss != "*" {
			return iss
		}
	}
	return appointment.KeyAppID // accepted by "*"
}

// appointmentLinks builds the link maker for the public URL pub.
func appointmentLinks(cfg *conf.Config, pub *url.URL) (appointment.Links, error) {
	id, key, err := appointmentKey(cfg)
	if err != nil {
		return appointment.Links{}, err
	}
	return appointment.Links{Base: pub, AppID: id, Secret: key, ClientEarly: appointment.DefaultClientEarly,
		HostEarly: appointment.DefaultHostEarly, Grace: cfg.Appointments.Grace.Std()}, nil
}

// withAppointmentKey makes appointment rooms token-only and lets the XMPP
// server verify appointment tokens signed with the generated key
// (appointmentKey) when [auth] has no jwt_secret.
func withAppointmentKey(cfg *conf.Config, auth xmpp.Auth) (xmpp.Auth, error) {
	if !cfg.Appointments.Enabled {
		return auth, nil
	}
	// Appointment rooms admit only the holders of their links.
	auth.TokenOnlyRoom = appointment.IsRoom
	auth.TokenRoomDirect = cfg.Appointments.DirectEntry
	if cfg.Auth.JWTSecret != "" {
		return auth, nil
	}
	id, key, err := appointmentKey(cfg)
	if err != nil {
		return auth, err
	}
	auth.JWT.Secret = key
	switch {
	case auth.JWT.AppID == "" && len(auth.JWT.AcceptedIssuers) == 0:
		auth.JWT.AppID = id
	case len(auth.JWT.AcceptedIssuers) == 0:
		auth.JWT.AcceptedIssuers = []string{auth.JWT.AppID, id}
	default:
		auth.JWT.AcceptedIssuers = append(auth.JWT.AcceptedIssuers, id)
	}
	return auth, nil
}

// wireAppointments opens the appointment store and adds the background
// service (outbox, calendar, deletion) to p when [appointments] is on.
func wireAppointments(ctx context.Context, cfg *conf.Config, pub *url.URL, log *slog.Logger, p *parts) error {
	ac := cfg.Appointments
	if !ac.Enabled {
		return nil
	}
	log = log.With("part", "appointments")
	st, err := appointment.Open(ctx, cfg.StateDir, appointment.StoreOptions{RemindBefore: ac.RemindBefore.Std()})
	if err != nil {
		return fmt.Errorf("appointments: %w", err)
	}
	p.onClose(st.Close)
	links, err := appointmentLinks(cfg, pub)
	if err != nil {
		return fmt.Errorf("appointments: %w", err)
	}
	tmpl, err := appointment.LoadTemplates(ac.TemplatesDir)
	if err != nil {
		return fmt.Errorf("appointments.templates_dir: %w", err)
	}
	out := &appointment.Outbox{Store: st, Sender: appointmentSender(ac.SMTP), Links: links, Templates: tmpl,
		Location: ac.Location(), MessageHost: cfg.Domain, Log: log}
	svc := &appointment.Service{Store: st, Outbox: out, Keep: ac.Keep.Std(), Log: log}
	if ac.Calendar != "" {
		svc.Calendar = &appointment.Calendar{Source: ac.Calendar, Store: st, Poll: ac.CalendarPoll.Std(), Changed: out.Wake, Log: log,
			Options: appointment.FeedOptions{ClientField: ac.ClientField, Location: ac.Location(), Language: ac.Language, Host: ac.Host}}
	}
	p.appointments = &appointmentParts{store: st, outbox: out, links: links}
	gate := &appointment.Gate{Store: st, Links: links, Location: ac.Location(), Log: log}
	p.roomGate = gate.Wrap
	p.admin = admin.New(admin.Config{Store: st, Links: links, Location: ac.Location(), Check: adminLogin(cfg),
		Language: ac.Language, Host: ac.Host, Origin: pub.String(), Created: out.Wake, Log: log})
	p.runners = append(p.runners, runner{"appointments", svc.Run})
	return nil
}

// appointmentParts are what other parts use of appointments: the web
// admin page and room gate, the recording hook.
type appointmentParts struct {
	store  *appointment.Store
	outbox *appointment.Outbox
	links  appointment.Links
}

// appointmentSender is the SMTP submission of [appointments.smtp], or,
// without a host, a sender that says so (reminders wait, the admin page
// shows why).
func appointmentSender(s conf.SMTP) appointment.Sender {
	if s.Host == "" {
		return noMailServer{}
	}
	return appointment.NewSMTP(appointment.SMTPConfig{Host: s.Host, Port: s.Port, Security: s.Security,
		Username: s.Username, Password: s.Password, From: s.From})
}

type noMailServer struct{}

func (noMailServer) Send(context.Context, appointment.Message) error {
	return fmt.Errorf("%w: [appointments.smtp] host is not set", appointment.ErrMail)
}

// adminLogin checks the admin page's logins against the [[auth.account]]
// entries with moderator = true on the main domain (the hosts). An unknown
// name costs the same PBKDF2 run as a wrong password.
func adminLogin(cfg *conf.Config) func(user, password string) bool {
	hosts := map[string]string{}
	for _, a := range cfg.Auth.Accounts {
		if a.Moderator && strings.HasSuffix(a.JID, "@"+cfg.Domain) {
			hosts[strings.ToLower(a.JID)] = a.PasswordHash
		}
	}
	decoy, _ := xmpp.HashPassword(appointment.KeyAppID, 0)
	return func(user, password string) bool {
		hash, ok := hosts[strings.ToLower(user)]
		if !ok {
			xmpp.CheckPassword(decoy, password)
			return false
		}
		return xmpp.CheckPassword(hash, password)
	}
}

// recordingDelivery mails a finished recording's private link to the
// client of the appointment held in its room (when the appointment wanted
// a recording); nil without appointments. Recordings of other rooms are
// not mailed.
func (ap *appointmentParts) recordingDelivery() recording.Delivery {
	if ap == nil {
		return nil
	}
	return recording.DeliveryFunc(func(ctx context.Context, f recording.Finished) error {
		room, _, _ := strings.Cut(f.Room, "@")
		if !appointment.IsRoom(room) {
			return nil
		}
		err := ap.outbox.DeliverRecording(ctx, room, f.URL)
		if errors.Is(err, appointment.ErrNoRecipient) {
			return nil // the client did not ask for it: the host has the link
		}
		return err
	})
}

// appointmentRooms names the appointment rooms when [appointments] is on
// (the focus makes nobody owner there by seniority), else nil.
func appointmentRooms(cfg *conf.Config) func(room string) bool {
	if !cfg.Appointments.Enabled {
		return nil
	}
	return appointment.IsRoom
}
