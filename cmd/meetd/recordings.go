package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"meetd/bridge"
	"meetd/conf"
	"meetd/recording"
	"meetd/recording/compose"
	"meetd/recording/vault"
)

// recordingShutdown bounds how long a stop waits for running recordings
// to be composed; what is not done by then is reported at the next start.
const recordingShutdown = 2 * time.Minute

// composeOptions are the composer's settings from [recording].
func composeOptions(r conf.Recording) compose.Options {
	return compose.Options{FFmpeg: r.FFmpeg, Font: r.Font}
}

// recordingAvailable says whether recording runs, and if not, why.
func recordingAvailable(cfg *conf.Config) (bool, string) {
	if cfg.Recording.Enabled == conf.RecordingOff {
		return false, "[recording] enabled = \"off\""
	}
	if err := compose.Available(composeOptions(cfg.Recording)); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// resolveRecording turns [recording] enabled = "auto" into on or off for
// this run (web's config.js and the focus read the result).
func resolveRecording(cfg *conf.Config, log *slog.Logger) error {
	on, why := recordingAvailable(cfg)
	switch {
	case on:
		cfg.Recording.Enabled = conf.RecordingOn
	case cfg.Recording.Enabled == conf.RecordingOn:
		return fmt.Errorf("recording.enabled = \"on\" but %s", why)
	default:
		cfg.Recording.Enabled = conf.RecordingOff
		log.Info("recording is off: the record button is hidden", "why", why)
	}
	return nil
}

// newRecording builds the recording service and its download handler, or
// nothing when recording is off or there is no built-in bridge to capture.
func newRecording(cfg *conf.Config, pub *url.URL, br *bridge.Bridge, delivery recording.Delivery, log *slog.Logger) (*recording.Service, http.Handler, error) {
	if br == nil {
		return nil, nil, nil
	}
	if err := resolveRecording(cfg, log); err != nil || cfg.Recording.Enabled != conf.RecordingOn {
		return nil, nil, err
	}
	r := cfg.Recording
	svc, err := recording.New(recording.Config{
		Dir:        cfg.RecordingDir(),
		PublicURL:  strings.TrimSuffix(pub.String(), "/"),
		LinkTTL:    time.Duration(r.LinkTTL) * 24 * time.Hour,
		Keep:       time.Duration(r.Keep) * 24 * time.Hour,
		RequireAll: r.RequireAll,
		MaxLength:  time.Duration(r.MaxMinutes) * time.Minute,
		Compose:    composeOptions(r),
		Logger:     log.With("part", "recording"),
		Delivery:   delivery,
	}, recording.BridgeAttacher{B: br})
	if err != nil {
		return nil, nil, fmt.Errorf("recording: %w", err)
	}
	h := recording.NewHandler(svc.Store(), svc.Signer(), nil, log.With("part", "recording"))
	return svc, h, nil
}

// closeRecording stops the running recordings, composing what it can.
func closeRecording(svc *recording.Service) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), recordingShutdown)
		defer cancel()
		return svc.Close(ctx)
	}
}

const recordingsUsage = `usage: meetd recordings list [-config FILE]

Lists the finished recordings kept in [recording] dir: id, room, when,
length, size, participants and when retention deletes it. The private
links are not listed: their keys are not stored on the server; the
moderator got the link in the meeting.
`

// runRecordings is `meetd recordings`.
func runRecordings(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "list" {
		if len(args) > 0 && (isHelpFlag(args[0]) || args[0] == "help") {
			fmt.Fprint(stdout, recordingsUsage)
			return exitOK
		}
		fmt.Fprint(stderr, recordingsUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("meetd recordings list", flag.ContinueOnError)
	path := fs.String("config", "", "the TOML configuration `FILE`")
	if code, ok := parseCommandFlags(fs, args[1:], "meetd recordings list [-config FILE]", stdout, stderr); !ok {
		return code
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	store, err := vault.NewStore(cfg.RecordingDir())
	if err != nil {
		fmt.Fprintf(stderr, "meetd recordings: %v\n", err)
		return exitFailure
	}
	list, err := store.List()
	if err != nil {
		fmt.Fprintf(stderr, "meetd recordings: %v\n", err)
		return exitFailure
	}
	writeRecordings(stdout, list, time.Duration(cfg.Recording.Keep)*24*time.Hour)
	return exitOK
}

func writeRecordings(w io.Writer, list []vault.Info, keep time.Duration) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no recordings")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROOM\tCREATED (UTC)\tLENGTH\tSIZE\tPEOPLE\tDELETED AFTER (UTC)")
	for _, r := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f MB\t%d\t%s\n", r.ID, r.Room, r.Created.UTC().Format("2006-01-02 15:04"),
			(time.Duration(r.Duration) * time.Second).String(), float64(r.Size)/1e6, r.Participants,
			r.Created.Add(keep).UTC().Format("2006-01-02 15:04"))
	}
	tw.Flush()
}

// recordingCheck is `meetd check`'s word on recording: a problem when it
// must run and cannot, a warning when "auto" turns it off.
func recordingCheck(cfg *conf.Config) (problem, warning string) {
	on, why := recordingAvailable(cfg)
	switch {
	case on || cfg.Recording.Enabled == conf.RecordingOff:
		return "", ""
	case cfg.Recording.Enabled == conf.RecordingOn:
		return "recording.enabled = \"on\" but " + why, ""
	}
	return "", "recording is off, the record button hidden: " + why
}
