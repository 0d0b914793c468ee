package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"meetd/appointment"
)

// newForm is the create form as submitted (shown again with a problem).
type newForm struct {
	Date, Time, Duration, Emails, Title, Language string
	Recording                                     bool
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, ss *session) {
	f := &newForm{Date: r.PostFormValue("date"), Time: r.PostFormValue("time"), Duration: r.PostFormValue("duration"),
		Emails: r.PostFormValue("emails"), Title: r.PostFormValue("title"), Language: r.PostFormValue("language"),
		Recording: r.PostFormValue("recording") == "on"}
	a, err := h.parseForm(f)
	if err == nil {
		err = h.cfg.Store.Add(r.Context(), a)
	}
	if errors.Is(err, appointment.ErrInvalid) || errors.Is(err, errForm) {
		h.listPage(w, r, ss, problemText(err), f)
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	h.cfg.Log.Info("appointment admin: created", "appointment", a.ID)
	if h.cfg.Created != nil {
		h.cfg.Created()
	}
	http.Redirect(w, r, fmt.Sprintf("%s/a/%d", Prefix, a.ID), http.StatusSeeOther)
}

var errForm = errors.New("form")

// parseForm reads the form: date and time in the practice's zone, the
// length in minutes, addresses separated by commas, spaces or lines.
func (h *Handler) parseForm(f *newForm) (*appointment.Appointment, error) {
	start, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(f.Date)+" "+strings.TrimSpace(f.Time), h.cfg.Location)
	if err != nil {
		return nil, fmt.Errorf("%w: the date and time must look like 2026-12-08 and 10:00", errForm)
	}
	mins, err := strconv.Atoi(strings.TrimSpace(f.Duration))
	if err != nil || mins <= 0 {
		return nil, fmt.Errorf("%w: the length must be a number of minutes", errForm)
	}
	emails := strings.FieldsFunc(f.Emails, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' })
	return &appointment.Appointment{Start: start, Duration: time.Duration(mins) * time.Minute, Title: f.Title,
		Host: h.cfg.Host, Emails: emails, Language: f.Language, Recording: f.Recording, Source: appointment.SourceAdmin}, nil
}

// problemText is an error as the form shows it.
func problemText(err error) string {
	s := err.Error()
	for _, p := range []string{errForm.Error() + ": ", appointment.ErrInvalid.Error() + ": "} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// row is one appointment as the list shows it: only what the practice
// needs to run the day.
type row struct {
	ID                               int64
	Start, Duration, Title, Status   string
	Reminder, ReminderError, Clients string
	Cancelled                        bool
}

const timeLayout = "Mon 2006-01-02 15:04"

func (h *Handler) rows(as []*appointment.Appointment) []row {
	out := make([]row, 0, len(as))
	for _, a := range as {
		out = append(out, h.row(a))
	}
	return out
}

func (h *Handler) row(a *appointment.Appointment) row {
	r := row{ID: a.ID, Start: a.Start.In(h.cfg.Location).Format(timeLayout), Duration: fmt.Sprintf("%d min", int(a.Duration/time.Minute)),
		Title: a.Title, Status: a.Status, Cancelled: a.Status == appointment.StatusCancelled,
		Clients: strings.Join(a.Emails, ", ")}
	switch rm := a.Reminder; rm.State {
	case appointment.ReminderSent:
		r.Reminder = "sent " + rm.SentAt.In(h.cfg.Location).Format("15:04")
	case appointment.ReminderPending:
		r.Reminder = "due " + rm.Due.In(h.cfg.Location).Format("15:04")
		if rm.Attempts > 0 {
			r.Reminder = fmt.Sprintf("not sent yet (%d attempts), next try %s", rm.Attempts, rm.Due.In(h.cfg.Location).Format("15:04"))
		}
	case appointment.ReminderFailed:
		r.Reminder = "FAILED"
	case appointment.ReminderSending:
		r.Reminder = "sending"
	default:
		r.Reminder = "none (no address)"
		if a.Status == appointment.StatusCancelled {
			r.Reminder = "none"
		}
	}
	if a.Reminder.State != appointment.ReminderSent {
		r.ReminderError = a.Reminder.LastError
	}
	return r
}
