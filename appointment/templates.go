package appointment

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

//go:embed templates/*.txt
var builtinTemplates embed.FS

// Templates are the mail texts, one per kind and language. A template's
// first line is "Subject: …", then an empty line, then the body; the
// fields are those of MailData.
type Templates struct {
	t map[string]*template.Template // by "reminder.de"
}

// MailData are the fields a template can use.
type MailData struct {
	Link     string // the client link or the recording link
	Title    string
	Host     string
	Date     string // the start's date in the practice's zone, e.g. 08.12.2026 or 2026-12-08
	Time     string // the start's time, e.g. 10:00
	Zone     string // the zone's name, e.g. Europe/Berlin
	Minutes  int    // the planned length
	From     string // when the client link starts working (time of day)
	Start    time.Time
	Duration time.Duration
}

// LoadTemplates reads reminder.{de,en}.txt and recording.{de,en}.txt from
// dir where present (dir may be empty) and takes the built-in text for the
// others. A template that does not parse is an error naming the file.
func LoadTemplates(dir string) (*Templates, error) {
	ts := &Templates{t: map[string]*template.Template{}}
	for _, kind := range []string{KindReminder, KindRecording} {
		for _, lang := range Languages {
			name := kind + "." + lang
			text, err := templateText(dir, name+".txt")
			if err != nil {
				return nil, err
			}
			t, err := template.New(name).Option("missingkey=error").Parse(text)
			if err != nil {
				return nil, fmt.Errorf("appointment: template %s: %w", name, err)
			}
			ts.t[name] = t
		}
	}
	return ts, nil
}

func templateText(dir, file string) (string, error) {
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("appointment: template: %w", err)
		}
	}
	b, err := builtinTemplates.ReadFile("templates/" + file)
	return string(b), err
}

// render returns the subject and body of kind in lang.
func (ts *Templates) render(kind, lang string, d MailData) (subject, body string, err error) {
	t := ts.t[kind+"."+lang]
	if t == nil {
		t = ts.t[kind+"."+Languages[0]]
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", "", fmt.Errorf("appointment: template %s: %w", t.Name(), err)
	}
	head, rest, _ := strings.Cut(b.String(), "\n")
	subject, ok := strings.CutPrefix(head, "Subject:")
	if !ok {
		return "", "", fmt.Errorf("appointment: template %s: the first line must be \"Subject: …\"", t.Name())
	}
	return strings.TrimSpace(subject), strings.TrimLeft(rest, "\r\n"), nil
}

// mailData fills MailData for a in loc.
func mailData(a *Appointment, link string, from time.Time, loc *time.Location) MailData {
	start := a.Start.In(loc)
	date := start.Format("2006-01-02")
	if a.Language == "de" {
		date = start.Format("02.01.2006")
	}
	return MailData{Link: link, Title: a.Title, Host: a.Host, Date: date, Time: start.Format("15:04"),
		Zone: ZoneName(loc, start), Minutes: int(a.Duration / time.Minute), From: from.In(loc).Format("15:04"),
		Start: start, Duration: a.Duration}
}

// ZoneName is the name to show for loc: its IANA name, or for the
// machine's zone ("Local") the abbreviation in force at t (e.g. CET).
func ZoneName(loc *time.Location, t time.Time) string {
	if loc == time.Local || loc.String() == "Local" {
		return t.In(loc).Format("MST")
	}
	return loc.String()
}
