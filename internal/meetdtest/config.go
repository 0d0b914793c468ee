package meetdtest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Config is the config file of one meetd under test (schema: the conf
// package, meetd.example.toml).
type Config struct {
	// Dir holds the config file (meetd.toml) and the state_dir (state).
	Dir string
	// IP is the listen and advertise address; default 127.0.0.1.
	IP string
	// HTTPPort and MediaPort are the HTTPS and media ports; 0 picks a free one.
	HTTPPort, MediaPort int
	// LogLevel is [log] level; default "debug".
	LogLevel string
	// Extra lines are appended (whole TOML sections), except "media.<key> =
	// …" lines, which go into the [media] table, and "http.<key> = …" lines
	// (into [http]). The lobby is off unless
	// Extra has its own "[rooms]" table.
	Extra []string
}

// NoFixedPorts are Extra lines that keep meetd off fixed host ports: the
// ops listener off, the XMPP TCP listeners on free ports.
func NoFixedPorts() []string {
	return []string{"[ops]", `listen = ""`, "[xmpp]", `c2s_listen = "127.0.0.1:0"`, `component_listen = "127.0.0.1:0"`}
}

// URL is meetd's https base URL (after Write has chosen the ports).
func (c *Config) URL() string {
	return fmt.Sprintf("https://%s", net.JoinHostPort(c.ip(), fmt.Sprint(c.HTTPPort)))
}

// StateDir is meetd's state_dir.
func (c *Config) StateDir() string { return filepath.Join(c.Dir, "state") }

// Path is the config file.
func (c *Config) Path() string { return filepath.Join(c.Dir, "meetd.toml") }

func (c *Config) ip() string {
	if c.IP == "" {
		return "127.0.0.1"
	}
	return c.IP
}

// Write chooses free ports for those left 0 and writes the file at Path.
func (c *Config) Write() error {
	var err error
	if c.HTTPPort == 0 {
		if c.HTTPPort, err = FreePort("tcp", c.ip()); err != nil {
			return err
		}
	}
	if c.MediaPort == 0 {
		if c.MediaPort, err = FreePort("udp", c.ip()); err != nil {
			return err
		}
	}
	return os.WriteFile(c.Path(), []byte(c.TOML()), 0o600)
}

// TOML is the config file's text.
func (c *Config) TOML() string {
	level := c.LogLevel
	if level == "" {
		level = "debug"
	}
	hostPort := func(p int) string { return net.JoinHostPort(c.ip(), fmt.Sprint(p)) }
	lines := []string{
		`domain = "localhost"`,
		fmt.Sprintf("state_dir = %q", c.StateDir()),
		"[http]",
		fmt.Sprintf("listen = %q", hostPort(c.HTTPPort)),
		fmt.Sprintf("public_url = %q", c.URL()),
		"[media]",
		fmt.Sprintf("listen = %q", hostPort(c.MediaPort)),
		fmt.Sprintf("advertise = [%q]", c.ip()),
		"[log]",
		fmt.Sprintf("level = %q", level),
		`format = "text"`,
	}
	if !slices.Contains(c.Extra, "[rooms]") {
		// Every participant enters the room directly unless a test sets [rooms].
		lines = append(lines, "[rooms]", "lobby = false")
	}
	for _, l := range c.Extra {
		if k, ok := strings.CutPrefix(l, "media."); ok {
			lines = slices.Insert(lines, slices.Index(lines, "[log]"), k)
			continue
		}
		if k, ok := strings.CutPrefix(l, "http."); ok {
			lines = slices.Insert(lines, slices.Index(lines, "[media]"), k)
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n") + "\n"
}

// FreePort returns a tcp or udp port on ip that was free a moment ago.
func FreePort(network, ip string) (int, error) {
	addr := net.JoinHostPort(ip, "0")
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
