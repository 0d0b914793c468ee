package admin

import (
	"html/template"
	"net/http"

	"meetd/appointment"
)

// pageData is what the templates show. html/template escapes every value.
type pageData struct {
	User, CSRF, Problem, Message, Zone string
	Rows                               []row
	Row                                row
	Form                               *newForm
	HostLink, ClientLink, Window       string
	Failures                           []appointment.Failure
}

var pages = template.Must(template.New("layout").Parse(`{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>Appointments – meetd</title>
<style>body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}
.cancelled{color:#888;text-decoration:line-through}.problem{background:#fdd;padding:.5em}
label{display:inline-block;margin:.2em 1em .2em 0}input[type=text],input[type=email]{width:20em}
code{word-break:break-all;background:#eee;padding:.2em;display:block}form.inline{display:inline}</style></head><body>
{{if .User}}<form class="inline" method="post" action="/_meetd/admin/logout"><input type="hidden" name="csrf" value="{{.CSRF}}">
<p>Logged in as {{.User}} · <a href="/_meetd/admin">Appointments</a> · <button type="submit">Log out</button></p></form>{{end}}
{{end}}{{define "bottom"}}</body></html>{{end}}

{{define "message"}}{{template "top" .}}<h1>Appointments</h1><p class="problem">{{.Message}}</p>
<p><a href="/_meetd/admin">Back</a></p>{{template "bottom" .}}{{end}}

{{define "login"}}{{template "top" .}}<h1>Appointments: log in</h1>
{{if .Problem}}<p class="problem">{{.Problem}}</p>{{end}}
<form method="post" action="/_meetd/admin/login"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label>Account (e.g. host@your-domain) <input type="text" name="user" autocomplete="username" required></label><br>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label><br>
<button type="submit">Log in</button></form>{{template "bottom" .}}{{end}}

{{define "list"}}{{template "top" .}}<h1>Appointments</h1>
{{if .Problem}}<p class="problem">{{.Problem}}</p>{{end}}
<table><tr><th>Start</th><th>Length</th><th>Title</th><th>Client</th><th>Reminder</th><th></th></tr>
{{range .Rows}}<tr{{if .Cancelled}} class="cancelled"{{end}}><td>{{.Start}}</td><td>{{.Duration}}</td><td>{{.Title}}</td><td>{{.Clients}}</td>
<td>{{.Reminder}}{{if .ReminderError}}<br><small>mail server: {{.ReminderError}}</small>{{end}}</td>
<td>{{if not .Cancelled}}<a href="/_meetd/admin/a/{{.ID}}">links</a>{{else}}cancelled{{end}}</td></tr>
{{else}}<tr><td colspan="6">No appointments.</td></tr>{{end}}</table>
{{if .Failures}}<h2>Mails the mail server has not taken</h2>
<table id="mail-problems"><tr><th>Appointment</th><th>Mail</th><th>State</th><th>Attempts</th><th>Mail server</th></tr>
{{range .Failures}}<tr><td><a href="/_meetd/admin/a/{{.Appointment}}">{{.Appointment}}</a></td><td>{{.Kind}}</td><td>{{.State}}</td><td>{{.Attempts}}</td><td>{{.Error}}</td></tr>
{{end}}</table>{{end}}
<h2>New appointment</h2>
<form method="post" action="/_meetd/admin/new"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label>Date <input type="date" name="date" value="{{.Form.Date}}" required></label>
<label>Time ({{.Zone}}) <input type="time" name="time" value="{{.Form.Time}}" required></label>
<label>Minutes <input type="number" name="duration" min="1" max="720" value="{{.Form.Duration}}" required></label><br>
<label>Client's e-mail <input type="email" name="emails" value="{{.Form.Emails}}" multiple></label>
<label>Title <input type="text" name="title" value="{{.Form.Title}}" maxlength="200"></label><br>
<label>Language of the mail <select name="language"><option value="de"{{if eq .Form.Language "de"}} selected{{end}}>Deutsch</option>
<option value="en"{{if eq .Form.Language "en"}} selected{{end}}>English</option></select></label>
<label><input type="checkbox" name="recording"{{if .Form.Recording}} checked{{end}}> The client wants a recording</label><br>
<button type="submit">Create</button></form>{{template "bottom" .}}{{end}}

{{define "details"}}{{template "top" .}}<h1>Appointment {{.Row.ID}}</h1>
<p>{{.Row.Start}}, {{.Row.Duration}}{{if .Row.Title}}: {{.Row.Title}}{{end}} · {{.Row.Status}}<br>
Client: {{.Row.Clients}} · Reminder: {{.Row.Reminder}}{{if .Row.ReminderError}} (mail server: {{.Row.ReminderError}}){{end}}</p>
{{if .HostLink}}<h2>Your link (host)</h2><code id="host-link">{{.HostLink}}</code>
<h2>The client's link</h2><code id="client-link">{{.ClientLink}}</code>
<p>The client's link works {{.Window}}. It is mailed to the client before the session; give it to nobody else.</p>
<form method="post" action="/_meetd/admin/a/{{.Row.ID}}/cancel"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit">Cancel this appointment</button></form>{{end}}
{{template "bottom" .}}{{end}}
`))

func (h *Handler) render(w http.ResponseWriter, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		h.cfg.Log.Error("appointment admin: page", "err", err)
	}
}
