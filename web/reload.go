package web

import (
	"meetd/conf"
)

// Reload applies cfg to the running server: the certificate files are read
// again (when meetd serves http.tls_cert/http.tls_key) and the routes are
// rebuilt (config.js, the web app, tenants, the device test, the security
// headers). Connections and the listener stay. On an error nothing
// changes. What a reload cannot change is named by conf (RestartKeys).
func (s *Server) Reload(cfg *conf.Config) error {
	cert := s.certs.static.Load()
	if s.certs.fromFiles && cfg.HTTP.TLSCert != "" {
		c, err := loadCertFiles(cfg, s.opts.PublicURL, s.log)
		if err != nil {
			return err
		}
		cert = c
	}
	h, err := routes(cfg, s.opts, s.log)
	if err != nil {
		return err
	}
	s.certs.static.Store(cert)
	s.routes.Store(&h)
	s.log.Info("web: configuration reloaded", "certificate_files", s.certs.fromFiles)
	return nil
}
