package main

import (
	"net/url"

	"meetd/appointment"
	"meetd/conf"
	"meetd/xmpp"
)

// appointmentKey is the key appointment links are signed with: [auth]
// jwt_secret when set (issuer jwt_app_id), else a key meetd keeps in
// state_dir, which withAppointmentKey makes the XMPP server accept.
func appointmentKey(cfg *conf.Config) (appID string, secret []byte, err error) {
	if a := cfg.Auth; a.JWTSecret != "" {
		return orDefault(a.JWTAppID, appointment.KeyAppID), []byte(a.JWTSecret), nil
	}
	key, err := appointment.LoadKey(cfg.StateDir)
	return appointment.KeyAppID, key, err
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

// withAppointmentKey lets the XMPP server verify appointment tokens signed
// with the generated key (appointmentKey) when [auth] has no jwt_secret.
func withAppointmentKey(cfg *conf.Config, auth xmpp.Auth) (xmpp.Auth, error) {
	if !cfg.Appointments.Enabled || cfg.Auth.JWTSecret != "" {
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
