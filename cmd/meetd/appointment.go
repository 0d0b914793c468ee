package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"meetd/appointment"
	"meetd/conf"
)

// appointmentUsage is `meetd appointment`'s help.
const appointmentUsage = `usage: meetd appointment COMMAND [-config FILE] [flags]

  add    --at 2026-12-08T10:00 --duration 50m --email client@example.org
         [--email another@example.org] [--title T] [--host H] [--lang de|en] [--recording]
  list   [--all]              upcoming appointments (--all: also the past ones kept)
  cancel ID
  links  ID                   print the host link and the client link

Times without a zone are in [appointments] time_zone.
`

// runAppointment implements `meetd appointment …` (exit 0 ok, 1 failure,
// 2 bad usage).
func runAppointment(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, appointmentUsage)
		return exitUsage
	}
	if isHelpFlag(args[0]) || args[0] == "help" {
		fmt.Fprint(stdout, appointmentUsage)
		return exitOK
	}
	cmds := map[string]func(*apptCLI, []string) error{
		"add": (*apptCLI).add, "list": (*apptCLI).list, "cancel": (*apptCLI).cancel, "links": (*apptCLI).links,
	}
	run, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, appointmentUsage)
		return 2
	}
	c := &apptCLI{out: stdout, errw: stderr, name: "meetd appointment " + args[0]}
	err := run(c, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage), errors.Is(err, appointment.ErrInvalid), errors.Is(err, conf.ErrBadValue):
		fmt.Fprintf(stderr, "%s: %v\n", c.name, err)
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", c.name, err)
	return 1
}

// apptCLI is one `meetd appointment` command.
type apptCLI struct {
	out, errw io.Writer
	name      string
	cfg       *conf.Config
}

// flags returns the command's flag set with -config.
func (c *apptCLI) flags() (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(c.errw)
	return fs, fs.String("config", "", "TOML configuration `file` (default: the built-in defaults)")
}

// open loads the configuration and opens the store.
func (c *apptCLI) open(ctx context.Context, path string) (*appointment.Store, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	c.cfg = cfg
	return appointment.Open(ctx, cfg.StateDir, appointment.StoreOptions{RemindBefore: cfg.Appointments.RemindBefore.Std()})
}

func (c *apptCLI) add(args []string) error {
	fs, path := c.flags()
	at := fs.String("at", "", "start, e.g. 2026-12-08T10:00 (in [appointments] time_zone) or with an offset")
	dur := fs.Duration("duration", 50*time.Minute, "length, e.g. 50m")
	var emails multiFlag
	fs.Var(&emails, "email", "client `address` (repeatable)")
	title := fs.String("title", "", "title (for the practice)")
	host := fs.String("host", "", "host name (default [appointments] host)")
	lang := fs.String("lang", "", "language of the client's mail, de or en (default [appointments] language)")
	rec := fs.Bool("recording", false, "the client wants the session recorded")
	if err := c.parse(fs, args, 0); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := c.open(ctx, *path)
	if err != nil {
		return err
	}
	defer st.Close()
	start, err := parseStart(*at, c.cfg.Appointments.Location())
	if err != nil {
		return err
	}
	a := &appointment.Appointment{Start: start, Duration: *dur, Title: *title, Host: orDefault(*host, c.cfg.Appointments.Host),
		Emails: emails, Language: orDefault(*lang, c.cfg.Appointments.Language), Recording: *rec, Source: appointment.SourceCLI}
	if err := st.Add(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "appointment %d: %s, %v\n", a.ID, a.Start.In(c.cfg.Appointments.Location()).Format(cliTime), a.Duration)
	return c.printLinks(a)
}

func (c *apptCLI) list(args []string) error {
	fs, path := c.flags()
	all := fs.Bool("all", false, "also list appointments that are over")
	if err := c.parse(fs, args, 0); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := c.open(ctx, *path)
	if err != nil {
		return err
	}
	defer st.Close()
	from := time.Now()
	if *all {
		from = time.Time{}
	}
	as, err := st.List(ctx, from)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART\tDURATION\tSTATUS\tREMINDER\tSOURCE\tTITLE\tCLIENTS")
	loc := c.cfg.Appointments.Location()
	for _, a := range as {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Start.In(loc).Format(cliTime), a.Duration,
			a.Status, a.Reminder.State, a.Source, a.Title, strings.Join(a.Emails, ","))
	}
	return tw.Flush()
}

func (c *apptCLI) cancel(args []string) error {
	return c.withID(args, func(ctx context.Context, st *appointment.Store, id int64) error {
		if err := st.Cancel(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "appointment %d cancelled\n", id)
		return nil
	})
}

func (c *apptCLI) links(args []string) error {
	return c.withID(args, func(ctx context.Context, st *appointment.Store, id int64) error {
		a, err := st.Get(ctx, id)
		if err != nil {
			return err
		}
		if a.Status != appointment.StatusScheduled {
			return fmt.Errorf("appointment %d is %s: its links do not work", id, a.Status)
		}
		return c.printLinks(a)
	})
}

// withID runs a command that takes -config and one appointment id.
func (c *apptCLI) withID(args []string, run func(context.Context, *appointment.Store, int64) error) error {
	fs, path := c.flags()
	if err := c.parse(fs, args, 1); err != nil {
		return err
	}
	id, err := parseID(fs.Arg(0))
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := c.open(ctx, *path)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(ctx, st, id)
}

func (c *apptCLI) printLinks(a *appointment.Appointment) error {
	l, err := cliLinks(c.cfg)
	if err != nil {
		return err
	}
	host, err := l.Host(a)
	if err != nil {
		return err
	}
	client, err := l.Client(a)
	if err != nil {
		return err
	}
	from, until := l.Window(a)
	loc := c.cfg.Appointments.Location()
	fmt.Fprintf(c.out, "host link:   %s\nclient link: %s\n(the client link works from %s to %s)\n",
		host, client, from.In(loc).Format(cliTime), until.In(loc).Format(cliTime))
	return nil
}

// cliLinks builds the links as the server does, with the public URL from
// http.public_url or the domain and the port of http.listen.
func cliLinks(cfg *conf.Config) (appointment.Links, error) {
	port := 443
	if _, p, err := net.SplitHostPort(cfg.HTTP.Listen); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n != 0 {
			port = n
		}
	}
	pub, err := cfg.PublicURL(port)
	if err != nil {
		return appointment.Links{}, err
	}
	return appointmentLinks(cfg, pub)
}

// parse parses flags and wants exactly nargs positional arguments.
func (c *apptCLI) parse(fs *flag.FlagSet, args []string, nargs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() != nargs {
		return fmt.Errorf("%w: want %d argument(s), got %q (see meetd appointment)", ErrUsage, nargs, fs.Args())
	}
	return nil
}

// cliTime is how the CLI shows times.
const cliTime = "2006-01-02 15:04 MST"

// startLayouts are the accepted --at forms without a zone.
var startLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// parseStart reads --at: RFC 3339 with an offset, or a local time in loc.
func parseStart(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: --at is required, e.g. --at 2026-12-08T10:00", ErrUsage)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range startLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: --at %q is not a date and time like 2026-12-08T10:00", ErrUsage, s)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q is not an appointment id (see meetd appointment list)", ErrUsage, s)
	}
	return id, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
