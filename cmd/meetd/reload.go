package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"

	"meetd/conf"
	"meetd/web"
	"meetd/xmpp"
)

// reloadRequests delivers SIGHUP: reload the configuration file at path.
// The zero value (no channel) never reloads.
type reloadRequests struct {
	c    <-chan os.Signal
	path string
}

// watchReload catches SIGHUP (which would otherwise end the process with
// status 129) for a reload of path; stop releases the signal.
func watchReload(path string) (reloadRequests, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGHUP)
	return reloadRequests{c: c, path: path}, func() { signal.Stop(c) }
}

// reloader applies a changed configuration file to the running parts: the
// XMPP logins and limits (accounts, anonymous logins, JWT keys), the
// certificate files and the web settings (config.js, the web app). What
// only a restart can change is named in the log; an invalid file changes
// nothing and the log says why (docs/bad-input.md#f10).
type reloader struct {
	log     *slog.Logger
	path    string
	started conf.Config  // the file as loaded at start, before wiring resolved anything
	cur     *conf.Config // the configuration running now
	xmpp    *xmpp.Server
	web     *web.Server
}

// run reloads on every request until ctx ends.
func (r *reloader) run(ctx context.Context, req <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-req:
			r.reload()
		}
	}
}

func (r *reloader) reload() {
	r.log.Info("meetd: reloading the configuration", "file", r.path)
	next, err := conf.Load(r.path)
	var eff *conf.Config
	if err == nil {
		eff = reloaded(r.cur, next)
		err = r.apply(eff)
	}
	if err != nil {
		r.log.Error("meetd: reload refused, the running configuration stays", "err", err)
		return
	}
	r.cur = eff
	_, limits, _ := xmppSettings(next)
	restart := append(restartKeys(&r.started, next), r.xmpp.RestartNeeded(limits)...)
	if len(restart) > 0 {
		r.log.Warn("meetd: configuration reloaded; these settings change only with a restart, their running values stay",
			"keys", strings.Join(restart, ", "))
		return
	}
	r.log.Info("meetd: configuration reloaded")
}

// apply gives next to the XMPP server, then to the web server; if the web
// server refuses it, the XMPP server gets the previous settings back.
func (r *reloader) apply(next *conf.Config) error {
	auth, limits, err := xmppSettings(next)
	if err != nil {
		return err
	}
	if err := r.xmpp.Reload(auth, limits); err != nil {
		return err
	}
	if err := r.web.Reload(next); err != nil {
		if a, l, e := xmppSettings(r.cur); e == nil {
			_ = r.xmpp.Reload(a, l)
		}
		return err
	}
	return nil
}

// reloaded is the running configuration with the settings a reload applies
// taken from next: [auth] (but guests_wait_for_host), [xmpp.limits] (but
// the stanza size, the pre-auth and BOSH timeouts and the room limits), the
// certificate files and the web app settings. Everything else keeps its
// running (resolved) value.
func reloaded(running, next *conf.Config) *conf.Config {
	eff := *running
	eff.Auth = next.Auth
	eff.Auth.GuestsWaitForHost = running.Auth.GuestsWaitForHost
	l, rl := next.XMPP.Limits, running.XMPP.Limits
	l.StanzaSize, l.PreAuthTimeout, l.BOSHInactivity = rl.StanzaSize, rl.PreAuthTimeout, rl.BOSHInactivity
	l.JoinsPerSecond, l.JoinBurst, l.MaxOccupants = rl.JoinsPerSecond, rl.JoinBurst, rl.MaxOccupants
	eff.XMPP.Limits = l
	eff.HTTP.TLSCert, eff.HTTP.TLSKey = next.HTTP.TLSCert, next.HTTP.TLSKey
	eff.Web.AppDir, eff.Web.AppName, eff.Web.Config = next.Web.AppDir, next.Web.AppName, next.Web.Config
	return &eff
}

// restartKeys names the settings that differ between the running
// configuration and next and that a reload does not apply.
func restartKeys(running, next *conf.Config) []string {
	var keys []string
	diffKeys(reflect.ValueOf(*running), reflect.ValueOf(*next), "", func(key string) {
		if !reloadableKey(key) {
			keys = append(keys, key)
		}
	})
	if next.Appointments.Enabled && (!reflect.DeepEqual(running.Auth.Accounts, next.Auth.Accounts) ||
		running.Auth.JWTSecret != next.Auth.JWTSecret) {
		keys = append(keys, "auth (the admin page's logins and appointment links)")
	}
	return keys
}

// reloadableKey reports the keys reloader.apply changes in place. The room
// limits are named by xmpp.Server.RestartNeeded.
func reloadableKey(key string) bool {
	switch key {
	case "xmpp.limits.stanza_size", "xmpp.limits.preauth_timeout", "xmpp.limits.bosh_inactivity",
		"auth.guests_wait_for_host":
		return false
	case "http.tls_cert", "http.tls_key", "web.app_dir", "web.app_name", "web.config":
		return true
	}
	return strings.HasPrefix(key, "xmpp.limits.") || strings.HasPrefix(key, "auth.")
}

// diffKeys reports the dotted TOML key of every field that differs between
// a and b (structs of the same type), descending into TOML tables.
func diffKeys(a, b reflect.Value, prefix string, report func(string)) {
	t := a.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct && isTable(f.Type) {
			diffKeys(a.Field(i), b.Field(i), key, report)
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			report(key)
		}
	}
}

// isTable reports whether t is a TOML table of the configuration (a struct
// with toml-tagged fields) rather than a value type such as a duration.
func isTable(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("toml") != "" {
			return true
		}
	}
	return false
}
