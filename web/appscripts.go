package web

import (
	"bytes"
	"encoding/json"
)

// configJS renders config.js for a tenant ("" for none); rendering cannot
// fail for these plain types, and a failure would be logged and answered
// with a script that throws.
func (a *webApp) configJS(tenant string) []byte {
	js, err := renderConfigJS(newClientConfig(a.cfg, a.pub, tenant), a.cfg.Web.Config)
	if err != nil {
		a.log.Error("web: config.js", "err", err)
		return []byte("throw new Error('meetd: config.js could not be rendered');\n")
	}
	return js
}

// interfaceOverrides are the interface_config.js keys meetd decides: the
// product name from [web] app_name, and no watermark linking to jitsi.org.
type interfaceOverrides struct {
	AppName            string `json:"APP_NAME"`
	NativeAppName      string `json:"NATIVE_APP_NAME"`
	ProviderName       string `json:"PROVIDER_NAME"`
	ShowJitsiWatermark bool   `json:"SHOW_JITSI_WATERMARK"`
	JitsiWatermarkLink string `json:"JITSI_WATERMARK_LINK"`
	MobileAppPromo     bool   `json:"MOBILE_APP_PROMO"`
}

// interfaceJS is the web app's own interface_config.js (its defaults for the
// many UI keys), when present, followed by meetd's overrides. encoding/json
// escapes <, > and & and the line separators, so app_name cannot break out.
func (a *webApp) interfaceJS() []byte {
	var b bytes.Buffer
	b.WriteString("// interface_config.js: the web app's defaults, then meetd's settings.\n")
	if base, err := a.appFile(appInterfaceJS); err == nil {
		b.Write(base)
		b.WriteString("\n")
	}
	name := a.cfg.Web.AppName
	o, _ := json.Marshal(interfaceOverrides{AppName: name, NativeAppName: name, ProviderName: name})
	b.WriteString("var interfaceConfig = Object.assign(typeof interfaceConfig === 'object' ? interfaceConfig : {}, ")
	b.Write(o)
	b.WriteString(");\n")
	return b.Bytes()
}

// loggingJS is the web app's logging_config.js, or an empty configuration.
func (a *webApp) loggingJS() []byte {
	if base, err := a.appFile(appLoggingJS); err == nil {
		return base
	}
	return []byte("var loggingConfig = {};\n")
}

func (a *webApp) appFile(rel string) ([]byte, error) {
	if a.dir == "" {
		return nil, ErrAppDir
	}
	return a.read(rel)
}
